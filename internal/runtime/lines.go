package runtime

import "unicode/utf8"

// MaxLineBytes is the longest line a runtime delivers: the largest message
// of a CloudWatch Logs event (256 KiB less the 26 bytes the service counts
// for each event). Like the awslogs driver, runtimes cut a longer line into
// lines of at most this size, all stamped with the time of the first.
const MaxLineBytes = 256*1024 - 26

// CutLine returns how many bytes of b, a line longer than MaxLineBytes, go
// into its first piece: MaxLineBytes, or fewer so as not to split a UTF-8
// character (the awslogs driver avoids that too). Bytes that are not valid
// UTF-8 are cut anywhere.
func CutLine(b []byte) int {
	n := min(MaxLineBytes, len(b))
	for j := n - 1; j >= 0 && j > n-utf8.UTFMax; j-- {
		if !utf8.RuneStart(b[j]) {
			continue
		}
		r, size := utf8.DecodeRune(b[j:])
		if (r != utf8.RuneError || size > 1) && j+size > n {
			return j
		}
		break
	}
	return n
}
