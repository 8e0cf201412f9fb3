package config_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"cmeos/ios/config"
)

var (
	topicFirst  = config.DeclareTopic("test-first")
	topicSecond = config.DeclareTopic("test-second")
)

// TestFlushWaitsForChainedEvents: an event whose subscriber publishes
// another (a certificate rebuilds the CTL, the CTL switches the server to
// secure) has run to the end of the chain when Flush returns, so a console
// command's effects are all visible at the next prompt.
func TestFlushWaitsForChainedEvents(t *testing.T) {
	sys := newSystem(t)
	var second atomic.Int32
	sys.Subscribe(topicFirst, "first", func(context.Context) error {
		time.Sleep(20 * time.Millisecond)
		sys.Publish(topicSecond)
		return nil
	})
	sys.Subscribe(topicSecond, "second", func(context.Context) error {
		time.Sleep(20 * time.Millisecond)
		second.Add(1)
		return nil
	})
	for i := 1; i <= 3; i++ {
		sys.Publish(topicFirst)
		sys.Flush()
		if got := second.Load(); got != int32(i) {
			t.Fatalf("round %d: the chained event ran %d times when Flush returned", i, got)
		}
	}
}
