package e2e

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"cmeos/cmd/phonesim/internal/trust"
	"cmeos/ios/cli"
	"cmeos/telephony/tftpd"
)

// TestClockSetEnrollment is issue 16 item 1: with the software clock set an
// hour ahead of, or behind, the host's clock (the seed asks for `clock set`
// first), the box's CA starts, trustpoints enroll over SCEP, the CTL is
// signed and the signed cnf files are served; every time the box writes
// (certificate validity, CTL and .sgn timestamps, file times, log
// timestamps) comes from the software clock.
func TestClockSetEnrollment(t *testing.T) {
	for _, shift := range []time.Duration{time.Hour, -time.Hour, 30 * 24 * time.Hour} {
		t.Run(shift.String(), func(t *testing.T) {
			sys := seedRouter(t)
			set := time.Now().UTC().Add(shift).Truncate(time.Second)
			var out bytes.Buffer
			s := sys.NewSession("console", cli.PrivMax, &out, nil)
			s.Execute("clock set " + set.Format("15:04:05 2 January 2006"))
			if strings.Contains(out.String(), "%") {
				t.Fatalf("clock set: %s", out.String())
			}
			near := func(what string, got, want time.Time) {
				t.Helper()
				if d := got.Sub(want); d < -3*time.Minute || d > 3*time.Minute {
					t.Errorf("%s is %s, want the software clock %s", what, got.UTC(), want.UTC())
				}
			}
			caURL := seedCA(t, sys)
			seedEnroll(t, sys, caURL, "cmeserver", "sast2")
			cme, sast2 := seedCert(sys, "cmeserver"), seedCert(sys, "sast2")
			if cme == nil || sast2 == nil {
				t.Fatal("trustpoints not enrolled")
			}
			near("cmeserver NotBefore", cme.NotBefore, set)
			out2 := seedConsole(sys,
				"telephony-service", " ip source-address 127.0.0.1 port 2000", " device-security-mode authenticated",
				" tftp-server-credentials trustpoint cmeserver", " create cnf-files", " exit",
				"ephone 1", " mac-address 0012.4302.A7CC", " type 7970", " exit",
				"ctl-client", " server cme 10.1.1.1 trustpoint cmeserver", " server tftp 10.1.1.1 trustpoint cmeserver",
				" sast1 trustpoint cmeserver", " sast2 trustpoint sast2", " regenerate", " exit")
			if strings.Contains(out2, "% ") {
				t.Fatalf("configuration rejected:\n%s", out2)
			}
			addr := tftpd.FromSystem(sys).Addr()
			if addr == nil {
				t.Fatal("TFTP server not running")
			}
			b, err := trust.Fetch(addr.String(), "CTLFile.tlv")
			if err != nil {
				t.Fatal(err)
			}
			list, err := trust.ParseList(b)
			if err != nil {
				t.Fatal(err)
			}
			if err := list.Verify(); err != nil {
				t.Fatalf("CTL: %v", err)
			}
			near("CTL timestamp", time.Unix(int64(list.Header.Timestamp), 0), set)
			tftpCerts, _ := list.Certificates(trust.RoleTFTP)
			sgn, err := trust.Fetch(addr.String(), "SEP00124302A7CC.cnf.xml.sgn")
			if err != nil {
				t.Fatal(err)
			}
			sd, err := trust.VerifySigned(sgn, "SEP00124302A7CC.cnf.xml.sgn", tftpCerts...)
			if err != nil {
				t.Fatalf("cnf .sgn: %v", err)
			}
			near(".sgn timestamp", time.Unix(int64(sd.Header.Timestamp), 0), set)
			// The CA's database files and the log carry the software clock too.
			sys.Lock()
			p, _ := sys.FS.Parse("flash:")
			ents, err := sys.FS.List(p)
			logText := sys.Log.Show()
			sys.Unlock()
			if err != nil {
				t.Fatal(err)
			}
			var seen bool
			for _, e := range ents {
				if strings.HasPrefix(e.Name, "cme_root") {
					seen = true
					near("flash:"+e.Name+" time", e.ModTime, set)
				}
			}
			if !seen {
				t.Errorf("no CA database files on flash: %v", ents)
			}
			if !strings.Contains(logText, set.Format("Jan _2 15:04")) && !strings.Contains(logText, set.Add(time.Minute).Format("Jan _2 15:04")) {
				t.Errorf("log timestamps do not follow the software clock %s:\n%s", set.Format("Jan _2 15:04"), logText)
			}
		})
	}
}
