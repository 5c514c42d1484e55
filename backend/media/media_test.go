package media

import (
	"errors"
	"strings"
	"testing"
	"time"

	"flexcallback"
)

func TestSignVerify(t *testing.T) {
	s, err := NewSigner([]byte(strings.Repeat("k", 32)), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if s.ttl != MaxTTL {
		t.Errorf("ttl = %v, want capped at %v", s.ttl, MaxTTL)
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return now }
	tok, exp, err := s.Sign("RE1", "WK1")
	if err != nil || !exp.Equal(now.Add(MaxTTL)) {
		t.Fatalf("Sign = %v, %v", exp, err)
	}
	if w, err := s.Verify(tok, "RE1"); err != nil || w != "WK1" {
		t.Errorf("Verify = %q, %v", w, err)
	}
	if _, err := s.Verify(tok, "RE2"); !errors.Is(err, flexcallback.ErrForbidden) {
		t.Errorf("other recording: %v, want ErrForbidden", err)
	}
	other, _ := NewSigner([]byte(strings.Repeat("o", 32)), 0)
	if _, err := other.Verify(tok, "RE1"); !errors.Is(err, flexcallback.ErrUnauthorized) {
		t.Errorf("foreign key: %v, want ErrUnauthorized", err)
	}
	now = now.Add(MaxTTL + time.Second)
	if _, err := s.Verify(tok, "RE1"); !errors.Is(err, flexcallback.ErrUnauthorized) {
		t.Errorf("expired: %v, want ErrUnauthorized", err)
	}
	if _, err := NewSigner([]byte("short"), 0); err == nil {
		t.Error("short key accepted")
	}
}
