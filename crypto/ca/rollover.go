package ca

import (
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"
	"time"

	"cmeos/crypto/keys"
	"cmeos/crypto/pki"
	"cmeos/ios/logging"
)

// CA certificate rollover, as IOS: a shadow (rollover) CA key pair and
// certificate are made before the CA certificate expires — by `crypto pki
// server NAME rollover`, or automatically `auto-rollover` days before
// expiry — kept in the database (NAME-rollover.cer) and the key store, and
// activated when the current CA certificate expires: the shadow becomes
// the CA certificate of the server's trustpoint and its key the server's
// key.

// RolloverCheckInterval is how often the rollover timer looks at the CA.
var RolloverCheckInterval = time.Hour

// errShadowExists: a rollover certificate is already waiting.
var errShadowExists = errors.New("% A rollover CA certificate already exists.")

// shadowLabels are the two key labels a server's keys alternate between.
func shadowLabels(name string) [2]string { return [2]string{name, name + "-rollover"} }

// rollover makes the shadow CA key and certificate of a running CA (lock held).
func (f *Feature) rollover(s *server, say func(format string, args ...any)) error {
	a := s.auth
	if a.ShadowCertificate() != nil {
		return errShadowExists
	}
	st := keys.FromSystem(f.sys)
	cur, ok := st.Get(f.keyLabel(s))
	if !ok {
		return errors.New("% Failed to find Certificate Server's key.")
	}
	label := shadowLabels(s.name)[1]
	if f.keyLabel(s) == label {
		label = s.name
	}
	st.Remove(label) // the key of the CA before the last rollover, expired
	var k *keys.Key
	var err error
	switch pub := cur.Signer.Public().(type) {
	case *rsa.PublicKey:
		say("%% Generating %d bit RSA keys, keys will be non-exportable...\n", pub.N.BitLen())
		k, err = st.GenerateRSA(label, pub.N.BitLen(), false)
	case *ecdsa.PublicKey:
		k, err = st.GenerateEC(label, pub.Curve.Params().BitSize)
	default:
		err = errors.New("unsupported key")
	}
	if err != nil {
		return fmt.Errorf("%% Key generation failed: %v", err)
	}
	if _, isRSA := k.Signer.Public().(*rsa.PublicKey); isRSA {
		say("[OK] (elapsed time was 0 seconds)\n")
	}
	sh, err := a.NewShadowCertificate(k.Signer, s.lifeCA, s.hash)
	if err != nil {
		return fmt.Errorf("%% Failed to generate the rollover CA certificate: %s", strings.TrimPrefix(err.Error(), "ca: "))
	}
	f.sys.Log.Logf(logging.Informational, "PKI", "CS_ROLLOVER_AVAILABLE", "[Sub/RA]CS Rollover certificate has been generated for %s, and it will be activated at %s",
		s.name, iosTime(sh.NotBefore))
	return nil
}

// activate makes the shadow CA certificate and key current (lock held).
func (f *Feature) activate(s *server, sh *x509.Certificate) error {
	label := ""
	for _, l := range shadowLabels(s.name) {
		if k, ok := keys.FromSystem(f.sys).Get(l); ok && publicEqual(k.Signer.Public(), sh.PublicKey) {
			label = l
		}
	}
	if label == "" {
		return errors.New("the rollover key pair is missing")
	}
	tps := pki.FromSystem(f.sys)
	old := tps.CACertificate(s.name)
	tp := tps.Ensure(s.name)
	oldLabel := tp.KeyLabel
	tp.KeyLabel = label
	tps.SetCertificate(s.name, sh, true)
	prev := s.auth
	f.stop(s)
	if err := f.start(s); err != nil {
		// Put the old CA back; the shadow stays for another try.
		tp.KeyLabel = oldLabel
		tps.SetCertificate(s.name, old, true)
		f.start(s)
		return err
	}
	prev.RemoveShadow()
	f.sys.Log.Logf(logging.Informational, "PKI", "CS_ROLLOVER_ACTIVE", "[Sub/RA]CS Rollover certificate has been activated for %s, replacing the previous [Sub/RA]CA certificate", s.name)
	return nil
}

// CheckRollover makes shadow CA certificates due under `auto-rollover`
// and activates the shadows whose time has come. The rollover timer calls
// it; tests call it after moving the software clock.
func (f *Feature) CheckRollover(context.Context) {
	f.sys.Lock()
	defer f.sys.Unlock()
	now := f.sys.Now()
	for _, name := range f.order {
		s := f.servers[name]
		if s.auth == nil {
			continue
		}
		sh := s.auth.ShadowCertificate()
		switch {
		case sh == nil && s.autoRollover > 0 && !now.Before(s.auth.Cert().NotAfter.AddDate(0, 0, -s.autoRollover)):
			if err := f.rollover(s, func(string, ...any) {}); err != nil {
				f.sys.Log.Logf(logging.Errors, "PKI", "CS_ROLLOVER_FAIL", "Certificate server %s: %s", name, strings.TrimPrefix(err.Error(), "% "))
			}
		case sh != nil && !now.Before(sh.NotBefore):
			if err := f.activate(s, sh); err != nil {
				f.sys.Log.Logf(logging.Errors, "PKI", "CS_ROLLOVER_FAIL", "Certificate server %s: rollover not activated: %v", name, err)
			}
		}
	}
}

// startTimer starts the rollover timer once; Close stops it.
func (f *Feature) startTimer() {
	f.timerOnce.Do(func() {
		stop, done := make(chan struct{}), make(chan struct{})
		f.timerStop, f.timerDone = stop, done
		go func() {
			defer close(done)
			t := time.NewTicker(RolloverCheckInterval)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-f.sys.Context().Done():
					return
				case <-t.C:
					f.CheckRollover(f.sys.Context())
				}
			}
		}()
	})
}

// Close stops the rollover timer.
func (f *Feature) Close() error {
	f.sys.Lock() // no concurrent startTimer
	stop, done := f.timerStop, f.timerDone
	f.timerStop = nil
	f.sys.Unlock()
	if stop != nil {
		close(stop)
		<-done
	}
	return nil
}
