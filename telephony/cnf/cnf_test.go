package cnf

import (
	"encoding/xml"
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestBuild(t *testing.T) {
	sys := System{CallManagers: []netip.Addr{netip.MustParseAddr("10.1.1.1")}, Port: 2000,
		Loads: map[string]string{"7970": "TERM70.7-0-0-77DEV", "7960-7940": "P00308000300"}, CAPF: netip.MustParseAddr("10.1.1.1"),
		VersionStamp: "7960 Oct 25 2006 07:19:39"}
	phones := []Phone{{MAC: "001794CA9CCD", Type: "7940", Security: Authenticated},
		{MAC: "00124302A7CC", Type: "7970", Security: Encrypted, CapfInCnf: true, CapfAuthMode: 1}, {MAC: "", Type: "7970"}}
	files, err := Build(sys, phones, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
		var v any
		if err := xml.Unmarshal(f.Data, &v); err != nil {
			t.Errorf("%s is not well-formed XML: %v", f.Name, err)
		}
	}
	if got := strings.Join(names, " "); got != "XMLDefault.cnf.xml SEP00124302A7CC.cnf.xml SEP001794CA9CCD.cnf.xml" {
		t.Fatalf("files %s", got)
	}
	var d struct {
		Load string `xml:"loadInformation"`
		Mode int    `xml:"deviceSecurityMode"`
		Capf []int  `xml:"capfList>capf>phonePort"`
	}
	xml.Unmarshal(files[2].Data, &d)
	if d.Load != "P00308000300" || d.Mode != 2 || len(d.Capf) != 0 {
		t.Errorf("7940 in a 7960-7940 load family: %+v", d)
	}
	if !strings.Contains(string(files[0].Data), `<loadInformation8 model="IP Phone 7940">P00308000300</loadInformation8>`) {
		t.Errorf("XMLDefault:\n%s", files[0].Data)
	}
}

type failing struct{}

func (failing) Sign(string, []byte) ([]byte, error) { return nil, errors.New("no certificate") }

type prefix struct{}

func (prefix) Sign(name string, b []byte) ([]byte, error) { return append([]byte(name+":"), b...), nil }

func TestSigner(t *testing.T) {
	sys := System{CallManagers: []netip.Addr{netip.MustParseAddr("10.1.1.1")}}
	if _, err := Build(sys, []Phone{{MAC: "00124302A7CC"}}, failing{}); err == nil {
		t.Fatal("a signer error was ignored")
	}
	files, _ := Build(sys, []Phone{{MAC: "00124302A7CC"}}, prefix{})
	if len(files) != 4 || files[1].Name != "XMLDefault.cnf.xml.sgn" || files[3].Name != "SEP00124302A7CC.cnf.xml.sgn" ||
		!strings.HasPrefix(string(files[3].Data), "SEP00124302A7CC.cnf.xml:<?xml") {
		t.Fatalf("signed files: %v", files)
	}
}
