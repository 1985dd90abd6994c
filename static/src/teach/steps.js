// teach/steps.js: the course's lessons and their steps in order, for the
// teacher's grid columns and step names (GET /api/lessons, then each
// lesson: the class view names steps by id only). Loaded once per page; a
// failed load is tried again by the next caller.
import * as api from '../api.js';

let loading = null;

/** Loads [{ id, title, number, steps: [{ id, kind, number }] }] from the server. */
async function load() {
  const index = await api.lessons();
  const lessons = await Promise.all(index.map((l) => api.lesson(l.id)));
  return lessons.map((lesson, i) => ({
    id: lesson.id,
    title: lesson.title,
    number: i + 1,
    steps: (lesson.steps || []).map((s, j) => ({ id: s.id, kind: s.kind, number: j + 1 })),
  }));
}

/** The course's lessons with their steps (a promise, shared by every caller). */
export function courseSteps() {
  if (!loading) {
    loading = load().catch((error) => {
      loading = null;
      throw error;
    });
  }
  return loading;
}

/**
 * How to name a step of the class view: { lesson, step, label } where
 * label reads "Lesson 2 (Title), step 3: predict". A step the course no
 * longer has (its lesson file changed) is named by its ids.
 */
export function describeStep(course, lessonId, stepId) {
  const lesson = course.find((l) => l.id === lessonId);
  const step = lesson && lesson.steps.find((s) => s.id === stepId);
  if (!lesson || !step) return { lesson, step, label: `${lessonId}, step ${stepId}` };
  return { lesson, step, label: `Lesson ${lesson.number} (${lesson.title}), step ${step.number}: ${step.kind}` };
}
