// Package taskstate holds ECS task and container statuses and the pure
// transitions between them. The agent owns one Task value per running task,
// feeds it events (a container started or stopped, a stop was requested) and
// calls Advance until it reports no change, publishing each status it passes.
//
// The task's last status walks forward only:
//
//	PROVISIONING -> PENDING -> ACTIVATING -> RUNNING
//	      |            |            |           |
//	      |            |            +-----------+--> DEACTIVATING
//	      +------------+--> STOPPING <---------------------+
//	                           |
//	                           v
//	                    DEPROVISIONING -> STOPPED
//
// The desired status is RUNNING until an essential container stops, a
// container fails to start, or a stop is requested; then it is STOPPED and
// stays so. The task may only be RUNNING when every container has started,
// and only DEPROVISIONING once every container has stopped.
package taskstate
