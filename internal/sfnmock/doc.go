// Package sfnmock reads mock configurations in the format of AWS Step
// Functions Local's mocked service integrations (MockConfigFile.json) and
// answers Task invocations from them.
//
// A configuration has two parts:
//
//	{
//	  "StateMachines": {                  // by state machine name
//	    "NAME": {"TestCases": {
//	      "HappyPath": {"STATE": "RESPONSE", ...}   // Task state -> mocked response
//	    }}
//	  },
//	  "MockedResponses": {
//	    "RESPONSE": {
//	      "0":   {"Return": ...},                              // invocation 0 (the first)
//	      "1-2": {"Throw": {"Error": "...", "Cause": "..."}}   // invocations 1 and 2
//	    }
//	  }
//	}
//
// The rules, as Step Functions Local applies them: invocations of a state
// are numbered from 0 across the execution (every retry and every new
// entry into the state is the next invocation); each invocation number has
// exactly one entry, a single number or an inclusive range, holding either
// Return (the task's result) or Throw (the task fails with Error and
// Cause, which Retry and Catch see); an invocation past the last one given
// has no response, and the execution fails; a state the test case does
// not name is not mocked (the real integration runs).
//
// [Parse] reads and validates a configuration with errors that name the
// field at fault; [Config.TestCase] selects a test case of a state
// machine; [Mocks.Next] answers the next invocation of a state. The
// package is pure: the caller reads the file.
package sfnmock
