# tests/docker/base.sh: sourced by tests/docker/run.sh and tests/stock/run.sh.
# Rootful podman and Debian base images made locally, without a registry
# (docs/ARCHITECTURE.md §8). The caller is at the repository's root and
# defines ok MESSAGE, fail MESSAGE and $WORK (a scratch directory).
# shellcheck shell=bash
export CONTAINERS_CONF=$PWD/tests/docker/containers.conf

# Installs podman, runc, catatonit (--init), debootstrap, python3 and the CA
# certificates when missing (as root, from Debian's archive).
podman_tools() {
	local missing=() p
	for p in podman runc catatonit debootstrap python3 ca-certificates; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	if [ ${#missing[@]} -gt 0 ]; then
		echo "   installing: ${missing[*]}"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
	fi
	ok "$(podman --version), runc $(runc --version | awk 'NR==1{print $3}')"
}

# Trims a debootstrapped tree the way Debian's official -slim images are
# trimmed: no documentation, manual pages or translations, now or from later
# installs, and apt keeps no package caches in image layers.
slim_rootfs() {
	local dir=$1
	cat >"$dir/etc/dpkg/dpkg.cfg.d/slim" <<-'EOF'
		path-exclude /usr/share/doc/*
		path-include /usr/share/doc/*/copyright
		path-exclude /usr/share/man/*
		path-exclude /usr/share/groff/*
		path-exclude /usr/share/info/*
		path-exclude /usr/share/lintian/*
		path-exclude /usr/share/linda/*
		path-exclude /usr/share/locale/*
		path-include /usr/share/locale/locale.alias
	EOF
	cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<-'EOF'
		DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
		APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
		Dir::Cache::pkgcache "";
		Dir::Cache::srcpkgcache "";
	EOF
	find "$dir/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
	find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
	find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
	rm -rf "$dir"/usr/share/{man,groff,info,lintian,linda}/* "$dir"/var/cache/apt/*.bin \
		"$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
}

# debian:SUITE-slim from debootstrap, once; later runs reuse the import.
base_image() {
	local suite=$1 tag=debian:$1-slim mirror dir
	if podman image exists "$tag"; then
		ok "$tag already imported"
		return
	fi
	# The archive that serves this machine's own release serves both suites.
	mirror=$(python3 tests/docker/mirror.py) || fail "no Debian mirror in apt's sources"
	dir=$WORK/rootfs-$suite
	echo "   debootstrap --variant=minbase $suite (mirror from apt's sources: $mirror)"
	debootstrap --variant=minbase "$suite" "$dir" "$mirror" >"$WORK/debootstrap-$suite.log" 2>&1 ||
		{ tail -n 20 "$WORK/debootstrap-$suite.log" >&2; fail "debootstrap $suite"; }
	slim_rootfs "$dir"
	tar -C "$dir" -c . | podman import - "$tag" >/dev/null
	rm -rf "$dir"
	ok "$tag imported"
}
