package ctl

import (
	"bytes"
	"crypto"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// certutilsTime is the TIMESTAMP of the certutils fixtures.
var certutilsTime = time.Unix(1772366400, 0)

// TestCertutilsFixtures checks files built by certutils (tlvfile and sgnfile
// of usecallmanagernz/certutils at d9db03e, run with time.time() pinned to
// certutilsTime) from the keys in testdata/:
//
//	tlvfile -b -v 1.1 -d sha512 -F ITLFile.tlv -s sast1.pem -s sast2.pem \
//	    -C tftp.pem -A capf.pem -t tftp-ec.pem -a https-ec.pem -T tftp.pem certutils.tlv
//	sgnfile -b -d sha512 -F Desktops/320x196x4/List.xml.sgn -t tftp.pem List.xml
//
// We must verify them, decode and re-encode them byte for byte, and build
// the same bytes from the same inputs. (golden.tlv and golden.sgn were
// checked the same way against certutils with SHA-1.) If the test keys are
// ever regenerated, these fixtures have to be rebuilt with certutils.
func TestCertutilsFixtures(t *testing.T) {
	ids := identities(t)
	tlv, err := os.ReadFile(filepath.Join("testdata", "certutils.tlv"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Verify(tlv, ids["sast1"].cert)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := f.MarshalBinary(); err != nil || !bytes.Equal(m, tlv) {
		t.Errorf("re-encoding the certutils file differs (err %v)", err)
	}

	ours := &File{Records: []Record{
		record(t, ids["sast1"], RoleSAST),
		record(t, ids["sast2"], RoleSAST),
		record(t, ids["tftp"], RoleCCMTFTP),
		record(t, ids["capf"], RoleCAPF),
		record(t, ids["tftp-ec"], RoleTFTP),
		record(t, ids["https-ec"], RoleAppServer),
		record(t, ids["tftp"], RoleTVS),
	}}
	b, err := Sign(ours, ids["sast1"].key, ids["sast1"].cert, crypto.SHA512, "ITLFile.tlv", certutilsTime)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(f, ours); diff != "" {
		t.Errorf("decoded certutils file (-certutils +ours):\n%s", diff)
	}
	if !bytes.Equal(b, tlv) {
		t.Error("Sign does not produce the certutils bytes")
	}

	sgn, err := os.ReadFile(filepath.Join("testdata", "certutils.sgn"))
	if err != nil {
		t.Fatal(err)
	}
	h, content, err := VerifySigned(sgn, ids["tftp"].cert)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(content, goldenSGNContent) || h.Filename != "Desktops/320x196x4/List.xml.sgn" {
		t.Errorf("certutils .sgn: %q, %q", h.Filename, content)
	}
	tftp := ids["tftp"]
	if b, err := SignFile(goldenSGNContent, h.Filename, tftp.key, tftp.cert, crypto.SHA512, certutilsTime); err != nil || !bytes.Equal(b, sgn) {
		t.Errorf("SignFile does not produce the certutils bytes (err %v)", err)
	}
}
