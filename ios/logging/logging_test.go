package logging

import (
	"strings"
	"testing"
	"time"
)

func fixed() time.Time { return time.Date(2026, 3, 1, 8, 5, 9, 123e6, time.UTC) }

func TestFormatAndBuffer(t *testing.T) {
	l := New(fixed)
	var got []string
	remove := l.AddSink(func(s string) { got = append(got, s) }, false)
	l.Logf(Notifications, "SYS", "CONFIG_I", "Configured from %s by %s", "console", "console")
	want := "*Mar  1 08:05:09.123: %SYS-5-CONFIG_I: Configured from console by console"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("console got %q, want %q", got, want)
	}
	if e := l.Entries(); len(e) != 1 || e[0] != want {
		t.Fatalf("buffer %q", e)
	}
	remove()
	l.Logf(Debugging, "X", "Y", "z")
	if len(got) != 1 {
		t.Error("removed sink still receives")
	}

	// Buffer level and size: below-level messages are not kept, the oldest
	// messages go when the buffer is full.
	st := l.Settings()
	st.BufferLevel, st.BufferSize = Warnings, 4096
	l.Apply(st)
	l.Clear()
	l.Logf(Informational, "A", "B", "dropped")
	for i := range 200 {
		l.Logf(Errors, "A", "B", "message %03d", i)
	}
	e := l.Entries()
	if strings.Contains(strings.Join(e, "\n"), "dropped") {
		t.Error("message above the buffer level kept")
	}
	total := 0
	for _, x := range e {
		total += len(x) + 1
	}
	if total > 4096 || !strings.HasSuffix(e[len(e)-1], "message 199") {
		t.Errorf("buffer holds %d bytes, last %q", total, e[len(e)-1])
	}
}

func TestTimestamps(t *testing.T) {
	for _, tc := range []struct {
		ts   Timestamps
		want string
	}{
		{Timestamps{Msec: true}, "*Mar  1 08:05:09.123: "},
		{Timestamps{}, "*Mar  1 08:05:09: "},
		{Timestamps{Msec: true, Year: true, Timezone: true}, "*Mar  1 2026 08:05:09.123 UTC: "},
		{Timestamps{Localtime: true, Timezone: true}, "*Mar  1 13:35:09 IST: "},
		{Timestamps{Disabled: true}, ""},
		{Timestamps{Uptime: true}, "00:00:00: "},
	} {
		l := New(fixed)
		st := l.Settings()
		st.Stamps = tc.ts
		st.Zone = time.FixedZone("IST", 5*3600+1800)
		l.Apply(st)
		l.Logf(Notifications, "F", "M", "x")
		if got := l.Entries()[0]; got != tc.want+"%F-5-M: x" {
			t.Errorf("%+v: got %q", tc.ts, got)
		}
	}
}
