package media

// jitterSlots is the jitter buffer's capacity in 20 ms packets (320 ms):
// reordering and bursts within that window are absorbed.
const jitterSlots = 16

// maxPayload bounds one packet's payload (60 ms of 8-bit audio and then
// some); larger payloads are dropped as malformed.
const maxPayload = 512

// jitterBuffer reorders one leg's incoming packets by sequence number and
// hands them out one per tick after a playout delay of depth packets.
// It is used by the leg's receive goroutine (push) and the engine's tick
// (pop) under the leg's mutex.
type jitterBuffer struct {
	slots    [jitterSlots]jitterSlot
	next     uint16 // sequence number to play next
	started  bool   // playout has begun
	buffered int    // packets held
	misses   int    // consecutive pops that found nothing
	depth    int    // packets to hold before playout starts

	received, late, lost, duplicate uint64
}

type jitterSlot struct {
	ok   bool
	seq  uint16
	n    int
	data [maxPayload]byte
}

// push stores a packet's payload. It reports false for a packet that
// came too late to be played, a duplicate, or an oversized payload.
func (j *jitterBuffer) push(seq uint16, payload []byte) bool {
	if len(payload) > maxPayload {
		return false
	}
	if j.buffered == 0 && !j.started {
		j.next = seq
	}
	d := int16(seq - j.next)
	switch {
	case d < 0:
		j.late++
		return false
	case int(d) >= jitterSlots:
		// Far ahead (a sequence jump, or a long gap): start over here.
		j.reset()
		j.next = seq
	}
	s := &j.slots[seq%jitterSlots]
	if s.ok && s.seq == seq {
		j.duplicate++
		return false
	}
	if !s.ok {
		j.buffered++
	}
	s.ok, s.seq, s.n = true, seq, copy(s.data[:], payload)
	j.received++
	if !j.started && j.buffered >= j.depth {
		j.started = true
	}
	return true
}

// pop returns the next packet's payload (valid until the next push to
// the same slot), or nil when playout has not started or the packet is
// missing; lost reports a packet given up for lost (to be concealed). A missing packet with nothing buffered after it is taken as
// late, not lost: playout waits for it, which absorbs a sender whose clock
// runs slower than ours. One with packets after it is lost: playout skips
// it. A sender running faster than our clock fills the buffer; past twice
// the playout depth the oldest packet is dropped to keep the delay low.
func (j *jitterBuffer) pop() (payload []byte, lost bool) {
	if !j.started {
		return nil, false
	}
	for j.buffered > 2*j.depth+1 {
		s := &j.slots[j.next%jitterSlots]
		if s.ok && s.seq == j.next {
			s.ok = false
			j.buffered--
			j.late++
		}
		j.next++
	}
	s := &j.slots[j.next%jitterSlots]
	if s.ok && s.seq == j.next {
		j.next++
		s.ok = false
		j.buffered--
		j.misses = 0
		return s.data[:s.n], false
	}
	j.misses++
	if j.buffered == 0 {
		if j.misses >= 3 {
			// The far end went quiet: wait for depth packets again, so
			// that a talk spurt after silence is not played in a trickle.
			j.reset()
		}
		return nil, false
	}
	j.next++
	j.lost++
	return nil, true
}

func (j *jitterBuffer) reset() {
	for i := range j.slots {
		j.slots[i].ok = false
	}
	j.started, j.buffered, j.misses = false, 0, 0
}
