package main

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cmeos/board"
)

// TestSecretsNeverShown configures every kind of secret, then reads
// everything a user or a file can show — running and startup config, the
// log, file listings, key displays, every file in flash and nvram outside
// the private area — and checks that no secret appears in clear text. The
// lines typed to set them are the only place they may be seen (the console
// echoes what is typed, as IOS does), so only the output after the
// configuration is scanned.
func TestSecretsNeverShown(t *testing.T) {
	secrets := []string{"Adm1nSecret", "En4bleSecret", "Mast3rKey99", "Cl3arText", "L1nePass", "Ol8Enable", "Ctl5ecret", "Arch1vePw"}
	setup := `enable
configure terminal
hostname Vault
ip domain-name example.com
username admin privilege 15 secret Adm1nSecret
username cisco password 0 Cl3arText
enable secret En4bleSecret
enable password Ol8Enable
key config-key password-encrypt Mast3rKey99
password encryption aes
service password-encryption
line vty 0 4
 password 0 L1nePass
 login
crypto key generate rsa modulus 1024
credentials
 ctl-service admin user4 secret 0 Ctl5ecret
 exit
crypto pki server cme_root
 database archive pkcs12 password Arch1vePw
 exit
end
write memory
copy running-config flash:backup.cfg

`
	inspect := `show running-config
show startup-config
show logging
dir nvram:
more nvram:startup-config
show crypto key mypubkey rsa
show users
show ip ssh
`
	root := t.TempDir()
	b, err := board.Lookup("host", board.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	marker := "show running-config\n"
	if err := run(t.Context(), b, consoleIO{in: strings.NewReader(setup + inspect), out: &out, now: fixedClock()}); err != nil {
		t.Fatal(err)
	}
	all := out.String()
	i := strings.Index(all, "Vault#"+marker)
	if i < 0 {
		t.Fatalf("session did not reach the inspection:\n%s", all)
	}
	shown := all[i:]
	// Issue 15 item 10: the CTL provider's and the CA archive's passwords
	// are encrypted like the other secrets (type 7, spelled 1 where the
	// command takes 0|1).
	if !strings.Contains(shown, "ctl-service admin user4 secret 1 ") || !strings.Contains(shown, "database archive pkcs12 password 7 ") {
		t.Errorf("ctl-service or archive password not encrypted:\n%s", shown)
	}
	// A copy of the rendered configuration is readable by its owner only.
	if fi, err := os.Stat(filepath.Join(b.FlashDir, "backup.cfg")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("flash:backup.cfg: %v %v", fi, err)
	}
	if !strings.Contains(shown, "username admin privilege 15 secret 9 $9$") || !strings.Contains(shown, "username cisco password 7 ") {
		t.Fatalf("the configuration is not what the test expects:\n%s", shown)
	}
	for _, s := range secrets {
		if strings.Contains(shown, s) {
			t.Errorf("secret %q is shown:\n%s", s, shown)
		}
	}
	// Files: nothing outside the private area holds a secret, and private
	// files are readable by their owner only.
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, _ := d.Info()
		if strings.Contains(p, string(filepath.Separator)+".private"+string(filepath.Separator)) {
			if info.Mode().Perm()&0o077 != 0 {
				t.Errorf("private file %s has mode %v", p, info.Mode().Perm())
			}
			return nil
		}
		data, _ := os.ReadFile(p)
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("file %s contains secret %q", p, s)
			}
		}
		if bytes.Contains(data, []byte("PRIVATE KEY")) {
			t.Errorf("file %s holds a private key outside the private area", p)
		}
		return nil
	})
}
