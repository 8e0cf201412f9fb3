package main

import (
	"bytes"
	"testing"

	"cmeos/ios/config/configtest"
	"cmeos/telephony/tftpd"
)

// TestCnfFileLocationFlash: with `cnf-file location flash:` the generated
// files are written to flash: (the same bytes TFTP serves), rewritten when
// they change, and deleted when the phone goes or the location changes.
func TestCnfFileLocationFlash(t *testing.T) {
	store := configtest.NewStore(t)
	sys := configtest.NewSystem(t, store, nil, "tftp-server port 0 source-address 127.0.0.1\n")
	configtest.Configure(sys, `telephony-service
 ip source-address 127.0.0.1 port 2000
 cnf-file location flash:
 create cnf-files
ephone 1
 mac-address 0012.4302.A7CC
 type 7970
ephone 2
 mac-address 0012.4302.00B1
 type 7970
`)
	srv := tftpd.FromSystem(sys)
	flash := func(name string) ([]byte, bool) {
		p, err := store.Parse("flash:" + name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := store.ReadFile(p)
		return b, err == nil
	}
	check := func(name string) {
		t.Helper()
		gen, ok := srv.Generated(name)
		if !ok {
			t.Fatalf("%s not generated", name)
		}
		b, ok := flash(name)
		if !ok || !bytes.Equal(b, gen) {
			t.Errorf("flash:%s is not the served file (present %v)", name, ok)
		}
	}
	check("XMLDefault.cnf.xml")
	check("SEP00124302A7CC.cnf.xml")
	check("SEP0012430200B1.cnf.xml")
	configtest.Configure(sys, "telephony-service\n load 7970 SCCP70.9-4-2SR3-1S\n")
	check("SEP00124302A7CC.cnf.xml")
	if b, _ := flash("SEP00124302A7CC.cnf.xml"); !bytes.Contains(b, []byte("SCCP70.9-4-2SR3-1S")) {
		t.Error("flash copy not rewritten after a change")
	}
	configtest.Configure(sys, "no ephone 2\n")
	if _, ok := flash("SEP0012430200B1.cnf.xml"); ok {
		t.Error("file of a removed phone left on flash:")
	}
	check("SEP00124302A7CC.cnf.xml")
	configtest.Configure(sys, "telephony-service\n cnf-file location system:\n")
	if _, ok := flash("SEP00124302A7CC.cnf.xml"); ok {
		t.Error("flash copies left after cnf-file location system:")
	}
	if _, ok := srv.Generated("SEP00124302A7CC.cnf.xml"); !ok {
		t.Error("file no longer served after cnf-file location system:")
	}
}
