package exec

import (
	"testing"
	"time"
)

func TestUptime(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                            "0 minutes",
		time.Minute:                  "1 minute",
		61 * time.Minute:             "1 hour, 1 minute",
		(24*9 + 3) * time.Hour:       "1 week, 2 days, 3 hours, 0 minutes",
		14*24*time.Hour + 5*60e9:     "2 weeks, 5 minutes",
		2*time.Hour + 59*time.Second: "2 hours, 0 minutes",
	} {
		if got := Uptime(d); got != want {
			t.Errorf("Uptime(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestParseClockSet(t *testing.T) {
	loc := time.UTC
	if tm, bad := parseClockSet("10:15:00", 1, "mar", 2027, loc); bad != "" || !tm.Equal(time.Date(2027, 3, 1, 10, 15, 0, 0, loc)) {
		t.Errorf("good time: %v %q", tm, bad)
	}
	for _, tc := range []struct {
		hms, month string
		day        int
		bad        string
	}{{"25:00:00", "Mar", 1, "time"}, {"10:61:00", "Mar", 1, "time"}, {"10:00", "Mar", 1, "time"}, {"10:00:00", "Foo", 1, "month"}, {"10:00:00", "Feb", 31, "day"}} {
		if _, bad := parseClockSet(tc.hms, tc.day, tc.month, 2027, loc); bad != tc.bad {
			t.Errorf("%+v: bad %q", tc, bad)
		}
	}
}
