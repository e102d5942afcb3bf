package workflow

// ErrorMatches reports whether an error name matches an ErrorEquals list
// as Retry and Catch match it (States.ALL, States.TaskFailed and the
// exceptions of both), for callers that explain a run from its history.
func ErrorMatches(equals []string, name string) bool { return matchesError(equals, name) }
