package console

import "strconv"

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func atoi32(s string) (int32, error) {
	n, err := strconv.ParseInt(s, 10, 32)
	return int32(n), err
}
