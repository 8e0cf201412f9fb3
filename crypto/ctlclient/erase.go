package ctlclient

import (
	"errors"
	"fmt"

	"cmeos/crypto/pki"

	"cmeos/ios/config"
	iosfs "cmeos/ios/fs"
	"cmeos/ios/logging"
)

// TopicErase is published by `server-security-mode erase` under
// telephony-service (seed 004: "erase — deletes the CTL file").
var TopicErase = config.TopicCTLErase

// erase deletes the CTL file: it leaves the TFTP server and its flash:
// copy is removed. Only `regenerate` (or the next boot with ctl-client
// configured) makes a new one; the lock is taken here.
func (f *Feature) erase() {
	f.sys.Lock()
	defer f.sys.Unlock()
	f.withdraw()
	f.withdrawn = false // a ctl-client change does not bring it back; regenerate does
	p, err := f.flashPath()
	if err == nil {
		err = f.sys.FS.Remove(p)
	}
	if err != nil && !errors.Is(err, iosfs.ErrNotFound) {
		f.sys.Log.Logf(logging.Errors, "CTL_CLIENT", "ERASE_FAILED", "%s", iosfs.IOSError("deleting", p, err))
		return
	}
	if err == nil {
		f.sys.Log.Logf(logging.Notifications, "CTL_CLIENT", "ERASED", "%s erased", FileName)
	}
}

// trustpointExists refuses a SAST trustpoint that is not configured, as
// IOS does when it is typed (seed 004 E10's `sast1 trustpoint
// mytrustpoint1>` names none). A startup-config may name trustpoints it
// defines later, so loading accepts any name.
func (f *Feature) trustpointExists(name string) error {
	if f.sys.IsLoading() {
		return nil
	}
	if p := pki.FromSystem(f.sys); p != nil && p.Trustpoint(name) != nil {
		return nil
	}
	return fmt.Errorf("%% Trustpoint %s not found.", name)
}
