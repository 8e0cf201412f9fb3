package media

import (
	"bytes"
	"crypto/rand"
	"net/netip"
	"testing"
	"time"
)

func testKey(t *testing.T, alg uint32) KeyBlock {
	t.Helper()
	k := KeyBlock{Algorithm: alg, KeyLen: 16, SaltLen: 14, Key: make([]byte, 16), Salt: make([]byte, 14)}
	if alg == AlgAEADAES128GCM {
		k.SaltLen, k.Salt = 12, make([]byte, 12)
	}
	rand.Read(k.Key)
	rand.Read(k.Salt)
	return k
}

// TestSRTPStreams: a tone sent as SRTP with a key block arrives, decrypted
// with the same block, for every suite the key block names; no clear
// payload crosses the wire; a receiver with another key counts
// authentication failures and hears nothing; unusable blocks are refused.
func TestSRTPStreams(t *testing.T) {
	lo := netip.MustParseAddr("127.0.0.1")
	for _, alg := range []uint32{AlgAESCM128SHA1_80, AlgAESCM128SHA1_32, AlgAEADAES128GCM} {
		key := testKey(t, alg)
		rx, err := Listen(lo)
		if err != nil {
			t.Fatal(err)
		}
		wrong, err := Listen(lo)
		if err != nil {
			t.Fatal(err)
		}
		// A tap between sender and receiver sees the wire.
		tap, err := Listen(lo)
		if err != nil {
			t.Fatal(err)
		}
		rx.SetReceive(Ulaw{}, key)
		wrong.SetReceive(Ulaw{}, testKey(t, alg))
		tx, err := Listen(lo)
		if err != nil {
			t.Fatal(err)
		}
		tx.SetTone(1000)
		tx.StartTransmit(netip.AddrPortFrom(lo, rx.Port()), Ulaw{}, 20, key)
		tx2, _ := Listen(lo)
		tx2.SetTone(1000)
		tx2.StartTransmit(netip.AddrPortFrom(lo, wrong.Port()), Ulaw{}, 20, key)
		tx3, _ := Listen(lo)
		tx3.SetTone(1000)
		tx3.StartTransmit(netip.AddrPortFrom(lo, tap.Port()), Ulaw{}, 20, key)
		deadline := time.Now().Add(10 * time.Second)
		for {
			_, n, _ := rx.Packets()
			if n >= 40 || time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, s := range []*Stream{tx, tx2, tx3} {
			s.Close()
		}
		st, bad, clear := rx.Stats(), wrong.Stats(), tap.Stats()
		rx.Close()
		wrong.Close()
		tap.Close()
		if st.RxPackets < 40 || st.AuthFailures != 0 || st.Freq < 995 || st.Freq > 1005 || st.SNR < 30 {
			t.Errorf("algorithm %d: %+v", alg, st)
		}
		if bad.RxPackets != 0 || bad.AuthFailures == 0 {
			t.Errorf("algorithm %d, other key: %d packets accepted, %d failures", alg, bad.RxPackets, bad.AuthFailures)
		}
		// The tap, without a key, reads the packets as RTP: their
		// payload is ciphertext, not the tone.
		if clear.RxPackets == 0 || clear.SNR > 10 {
			t.Errorf("algorithm %d: the wire carries the tone in clear (%d packets, SNR %.1f)", alg, clear.RxPackets, clear.SNR)
		}
	}
	for _, k := range []KeyBlock{
		{Algorithm: 3, KeyLen: 16, SaltLen: 14, Key: make([]byte, 16), Salt: make([]byte, 14)},
		{Algorithm: AlgAESCM128SHA1_80, KeyLen: 15, SaltLen: 14, Key: make([]byte, 15), Salt: make([]byte, 14)},
		{Algorithm: AlgAESCM128SHA1_80, KeyLen: 16, SaltLen: 16, Key: make([]byte, 16), Salt: make([]byte, 16)},
		{Algorithm: AlgAESCM128SHA1_80, KeyLen: 16, SaltLen: 14},
	} {
		s, _ := Listen(lo)
		s.SetReceive(Ulaw{}, k)
		s.StartTransmit(netip.AddrPortFrom(lo, 9), Ulaw{}, 20, k)
		st := s.Stats()
		s.Close()
		if st.Error == "" || st.TxPackets != 0 {
			t.Errorf("key block %v accepted: %+v", k, st)
		}
	}
	if s := testKey(t, AlgAESCM128SHA1_80).String(); bytes.Contains([]byte(s), []byte{0}) || s != "algorithm 2, key 16 bytes, salt 14 bytes" {
		t.Errorf("String() = %q", s)
	}
}
