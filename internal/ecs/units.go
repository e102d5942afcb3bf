package ecs

import (
	"math/big"
	"strconv"
	"strings"
)

// CPUUnitsPerVCPU is how many ECS CPU units make one vCPU.
const CPUUnitsPerVCPU = 1024

// Task-level CPU bounds for the EC2 and EXTERNAL launch types, in CPU units
// (0.125 to 192 vCPU).
const (
	MinTaskCPU = 128
	MaxTaskCPU = 196608
)

// MinContainerMemory is the smallest hard or soft memory limit, in MiB, a
// container may have: Docker 20.10 and later reserve 6 MiB per container.
const MinContainerMemory = 6

// ParseCPU reads a task-level cpu value as ECS accepts it: an integer number
// of CPU units ("256", "1024") or a number of vCPUs with the unit "vCPU" in
// any case, with or without a space ("1 vCPU", "0.25vcpu", "2 VCPU"). It
// returns CPU units (1 vCPU = 1024). The value must be positive and, in
// vCPUs, a whole number of CPU units.
func ParseCPU(s string) (int, error) {
	t := strings.TrimSpace(s)
	num, unit := splitUnit(t)
	var mult int64
	switch strings.ToLower(unit) {
	case "":
		mult = 1
	case "vcpu", "vcpus":
		mult = CPUUnitsPerVCPU
	default:
		return 0, Errorf(ErrClient, "Invalid 'cpu' setting for task: %q. Use CPU units (for example \"1024\") or vCPUs (for example \"1 vCPU\" or \"0.25 vcpu\").", s)
	}
	n, ok := scaleDecimal(num, mult, mult == 1)
	if !ok || n <= 0 {
		return 0, Errorf(ErrClient, "Invalid 'cpu' setting for task: %q. Use a positive whole number of CPU units (for example \"1024\") or vCPUs that make whole CPU units (for example \"1 vCPU\" or \"0.25 vcpu\").", s)
	}
	return n, nil
}

// ParseMemory reads a task-level memory value as ECS accepts it: an integer
// number of MiB ("512", "2048") or a number of gigabytes with the unit "GB"
// ("1GB", "2 gb", "0.5 GB"; "GiB" is read the same way), or, as a
// convenience, MiB with the unit "MiB" or "MB" ("512 MiB"). It returns MiB
// (1 GB = 1024 MiB). The value must be positive and a whole number of MiB.
func ParseMemory(s string) (int, error) {
	t := strings.TrimSpace(s)
	num, unit := splitUnit(t)
	var mult int64
	switch strings.ToLower(unit) {
	case "", "mib", "mb":
		mult = 1
	case "gb", "gib":
		mult = 1024
	default:
		return 0, Errorf(ErrClient, "Invalid 'memory' setting for task: %q. Use MiB (for example \"2048\") or GB (for example \"2GB\" or \"0.5 GB\").", s)
	}
	n, ok := scaleDecimal(num, mult, mult == 1)
	if !ok || n <= 0 {
		return 0, Errorf(ErrClient, "Invalid 'memory' setting for task: %q. Use a positive whole number of MiB (for example \"2048\") or GB that make whole MiB (for example \"2GB\").", s)
	}
	return n, nil
}

// splitUnit splits "1.5 vCPU" into "1.5" and "vCPU".
func splitUnit(s string) (num, unit string) {
	i := 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// scaleDecimal multiplies the unsigned decimal num by mult and returns the
// result when it is a whole number that fits an int32. integerOnly refuses a
// fractional part.
func scaleDecimal(num string, mult int64, integerOnly bool) (int, bool) {
	if num == "" || num == "." || strings.Count(num, ".") > 1 || len(num) > 32 {
		return 0, false
	}
	if integerOnly && strings.Contains(num, ".") {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(num)
	if !ok {
		return 0, false
	}
	r.Mul(r, new(big.Rat).SetInt64(mult))
	if !r.IsInt() {
		return 0, false
	}
	n := r.Num()
	if !n.IsInt64() || n.Int64() > 1<<31-1 {
		return 0, false
	}
	return int(n.Int64()), true
}

// fargateMemory lists the task memory values (MiB) Fargate accepts for each
// task cpu value (CPU units), as the Fargate task size table gives them.
var fargateMemory = map[int]struct{ min, max, step int }{
	256:   {512, 2048, 512}, // 512, 1024, 2048 (1536 excluded below)
	512:   {1024, 4096, 1024},
	1024:  {2048, 8192, 1024},
	2048:  {4096, 16384, 1024},
	4096:  {8192, 30720, 1024},
	8192:  {16384, 61440, 4096},
	16384: {32768, 122880, 8192},
}

// FargateConfigurationValid reports whether a task-level cpu (CPU units) and
// memory (MiB) pair is one of the sizes Fargate offers.
func FargateConfigurationValid(cpu, memory int) bool {
	r, ok := fargateMemory[cpu]
	if !ok || memory < r.min || memory > r.max || (memory-r.min)%r.step != 0 {
		return false
	}
	if cpu == 256 && memory == 1536 {
		return false
	}
	return true
}

// FargateCPUValues lists the task cpu values Fargate offers, ascending.
func FargateCPUValues() []int {
	return []int{256, 512, 1024, 2048, 4096, 8192, 16384}
}

// fargateMemoryHint describes the memory values Fargate accepts with cpu.
func fargateMemoryHint(cpu int) string {
	r, ok := fargateMemory[cpu]
	if !ok {
		vals := make([]string, 0, 7)
		for _, c := range FargateCPUValues() {
			vals = append(vals, strconv.Itoa(c))
		}
		return "task cpu must be one of " + strings.Join(vals, ", ") + " CPU units"
	}
	if cpu == 256 {
		return "with cpu 256, memory must be 512, 1024 or 2048 MiB"
	}
	return "with cpu " + strconv.Itoa(cpu) + ", memory must be between " + strconv.Itoa(r.min) + " and " +
		strconv.Itoa(r.max) + " MiB in steps of " + strconv.Itoa(r.step) + " MiB"
}
