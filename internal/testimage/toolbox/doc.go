// Toolbox is a tiny static program that test images and examples run instead
// of a shell, so that they need nothing but this one binary (FROM scratch).
//
// Its arguments are a list of steps separated by "--", run in order:
//
//	toolbox out hello world -- err oops -- exit 7
//
// Steps:
//
//	out WORDS...          print WORDS joined by spaces and a newline to stdout
//	err WORDS...          the same on stderr
//	outraw WORDS...       print WORDS to stdout without a trailing newline
//	lines N PREFIX        print N lines "PREFIX 1" .. "PREFIX N" to stdout
//	longline N            print one line of N 'x' characters to stdout
//	longraw N             print N 'y' characters to stdout, without a newline
//	burst N TEXT          print "TEXT out 1" .. "TEXT out N" to stdout and
//	                      "TEXT err 1" .. "TEXT err N" to stderr at once (one
//	                      write per stream), then "TEXT end" to stdout without
//	                      a newline, and exit 0 at once
//	exit CODE             exit with CODE at once
//	exitenv NAME          exit with the code in $NAME (0 when unset)
//	sleep DURATION        sleep (Go duration syntax: 100ms, 2s, 1h)
//	forever               block until a signal ends the program
//	trap SIG CODE WORDS...  on signal SIG (TERM, INT, HUP, USR1, USR2, QUIT)
//	                      print WORDS to stdout and exit with CODE
//	ignore SIG            ignore signal SIG
//	env                   print the environment, one KEY=VALUE per line, sorted
//	getenv NAME           print the value of NAME (exit 1 when unset)
//	envsha NAME           print "NAME sha256:<hex of its value>" (exit 1 when
//	                      unset), to check a secret without printing it
//	id                    print "uid=U gid=G"
//	pid                   print the process id
//	pwd                   print the working directory
//	hostname              print the host name
//	cat PATH              copy the file at PATH to stdout
//	write PATH WORDS...   write WORDS joined by spaces and a newline to PATH
//	exists PATH           exit 1 (with a message on stderr) unless PATH exists
//	waitfile PATH         block until PATH exists
//	alloc MIB             allocate and touch MIB mebibytes, keeping them alive
//	oomadj N              write N to /proc/self/oom_score_adj (-1000 spares
//	                      the program from the OOM killer; lowering it needs
//	                      the SYS_RESOURCE capability)
//	serve ADDR WORDS...   serve HTTP on ADDR in the background: GET / answers
//	                      WORDS, /env answers the environment, /exit?code=N
//	                      exits the program with N
//	fluentrouter [CONFIG]  a FireLens log router stand-in, in the background:
//	                      read the Fluent Bit or Fluentd configuration CONFIG
//	                      (default /fluent-bit/etc/fluent-bit.conf, else
//	                      /fluentd/etc/fluent.conf), listen on its forward
//	                      inputs (unix socket, TCP) and Fluent Bit tcp inputs,
//	                      print "fluentrouter listening on ...", then receive
//	                      Fluentd Forward protocol records, apply the
//	                      configuration's record modifiers and grep filters,
//	                      and print each record routed to an output other
//	                      than null as a JSON line {"tag", "time", "record",
//	                      "outputs"}
//	fetch URL [NAME=VALUE...]  GET URL (with those headers) and print the
//	                      body to stdout; exit 1 on an error or a non-2xx status
//	                      (after printing the body, with a final newline, and
//	                      the status on stderr)
//	fetchenv VAR [SUFFIX...]  fetch the URL in $VAR followed by SUFFIX
//	                      (exit 1 when VAR is unset)
//	awscreds              fetch the task role's credentials as the AWS SDKs
//	                      do: http://169.254.170.2 plus
//	                      $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, else
//	                      $AWS_CONTAINER_CREDENTIALS_FULL_URI with the header
//	                      Authorization: $AWS_CONTAINER_AUTHORIZATION_TOKEN
//	tty                   print whether stdin is a terminal, and exit 42 if
//	                      it is, else 1
//	fetchwait URL DURATION  like fetch, retrying every 50ms until it works or
//	                      DURATION has passed
//	sendtasksuccess TOKENVAR OUTPUT  call Step Functions' SendTaskSuccess
//	                      with the task token in $TOKENVAR and OUTPUT (JSON)
//	                      at $AWS_ENDPOINT_URL_SFN, unsigned (awsJson 1.0,
//	                      X-Amz-Target AWSStepFunctions.SendTaskSuccess), as
//	                      a worker in a task does on ecsrun's task endpoint;
//	                      print the answer; exit 1 on an error status
//
// Without arguments toolbox prints "toolbox" and exits 0. A step it does not
// understand makes it print a message on stderr and exit 125.
package main
