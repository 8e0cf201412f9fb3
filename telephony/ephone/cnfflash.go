package ephone

import (
	"bytes"

	"cmeos/ios/logging"
	"cmeos/telephony/cnf"
)

// writeFlashCnf is `cnf-file location flash:`: the generated files are
// written to flash: (atomically, only when their content changed) as well
// as served from memory by TFTP/HTTP. Files this run wrote that are no
// longer generated (removed phones, a phone that became encrypted, `no
// cnf-file location`) are deleted; files written before a restart and no
// longer generated stay. pubMu held, configuration lock not held.
func (f *Feature) writeFlashCnf(loc string, files []cnf.File) {
	if f.sys.FS == nil {
		return
	}
	now := map[string]bool{}
	failed := false
	if loc == "flash:" {
		for _, fl := range files {
			p, err := f.sys.FS.Parse("flash:" + fl.Name)
			if err != nil {
				continue
			}
			now[fl.Name] = true
			if old, err := f.sys.FS.ReadFile(p); err == nil && bytes.Equal(old, fl.Data) {
				continue
			}
			if err := f.sys.FS.WriteFile(p, fl.Data); err != nil {
				if !f.flashFailed {
					f.sys.Log.Logf(logging.Errors, "IPPHONE", "CNF_WRITE", "Cannot write %s: %v", p, err)
				}
				failed = true
			}
		}
	}
	f.flashFailed = failed
	for name := range f.flashCnf {
		if now[name] {
			continue
		}
		if p, err := f.sys.FS.Parse("flash:" + name); err == nil {
			f.sys.FS.Remove(p)
		}
	}
	f.flashCnf = now
}
