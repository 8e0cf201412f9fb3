package httpd_test

import (
	"bytes"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"cmeos/ios/cli"
	"cmeos/ios/config"
	"cmeos/ios/fs"
	"cmeos/ios/httpd"
)

func TestServerLifecycle(t *testing.T) {
	dir := t.TempDir()
	st, err := fs.New("flash", fs.Mount{Prefix: "flash", Dir: filepath.Join(dir, "flash"), Kind: fs.KindDisk},
		fs.Mount{Prefix: "nvram", Dir: filepath.Join(dir, "nvram"), Kind: fs.KindNVRAM})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sys := config.New(config.Options{FS: st})
	defer sys.Close()
	f := httpd.FromSystem(sys)
	f.SetListen("127.0.0.1", 0)
	httpd.Handle(sys, "/hello", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hi") }))
	run := func(lines ...string) string {
		var out bytes.Buffer
		s := sys.NewSession("test", cli.PrivMax, &out, nil)
		s.Enter(cli.ModeConfig, nil)
		for _, l := range lines {
			s.Execute(l)
		}
		return out.String()
	}
	if f.Addr() != "" {
		t.Fatal("listening before ip http server")
	}
	run("ip http server", "ip http authentication local", "ip http path flash:")
	addr := f.Addr()
	if addr == "" {
		t.Fatal("not listening after ip http server")
	}
	resp, err := http.Get("http://" + addr + "/hello")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "hi" {
		t.Fatalf("body %q", b)
	}
	resp, err = http.Get("http://" + addr + "/nothing")
	if err != nil || resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown path: %v %v", err, resp)
	}
	resp.Body.Close()
	sys.Lock()
	rc := sys.RenderFeatures()
	sys.Unlock()
	if !strings.Contains(rc, "ip http server\nip http authentication local\nip http path flash:\n") {
		t.Fatalf("running-config:\n%s", rc)
	}
	run("no ip http server")
	if f.Addr() != "" {
		t.Fatal("still listening after no ip http server")
	}
	if _, err := http.Get("http://" + addr + "/hello"); err == nil {
		t.Fatal("connection accepted after no ip http server")
	}
}
