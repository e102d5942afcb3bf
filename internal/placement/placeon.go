package placement

import "fmt"

// PlaceOn places the tasks of req on chosen instances, one task per ARN
// of arns (in order; len(arns) must be req.Count), as StartTask does:
// nothing is chosen, each instance is only checked (status, agent,
// required attributes, CPU, memory, ports, GPUs, memberOf and
// distinctInstance) and takes its task if it passes; otherwise the task
// fails with the reason of the check that failed, naming the instance. An
// ARN the state does not hold fails the task with Reason "MISSING".
// Strategies are ignored.
func (s *State) PlaceOn(req Request, arns []string) (*Result, error) {
	if len(arns) != req.Count {
		return nil, fmt.Errorf("%d instances for %d tasks: %w", len(arns), req.Count, ErrInvalid)
	}
	sp, err := compile(req)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.checkTaskIDs(sp); err != nil {
		return nil, err
	}
	res := &Result{}
	for t, arn := range arns {
		id := ""
		if req.TaskIDs != nil {
			id = req.TaskIDs[t]
		} else {
			s.seq++
			id = fmt.Sprintf("task-%d", s.seq)
		}
		i, ok := s.byARN[arn]
		if !ok {
			res.Failures = append(res.Failures, Failure{TaskIndex: t, ARN: arn, Reason: "MISSING"})
			continue
		}
		n := s.nodes[i]
		in := &n.inst
		var v view
		if st := sp.stage(n, in.Free.CPU, in.Free.Memory, len(in.Free.GPUs), in.TaskGroups[sp.req.Group], 0, &v); st != stagePass {
			res.Failures = append(res.Failures, Failure{TaskIndex: t, ARN: arn, Reason: stageReason(st)})
			continue
		}
		res.Placements = append(res.Placements, s.commit(i, sp, t, id))
	}
	return res, nil
}
