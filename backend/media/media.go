// Package media issues and checks the short-lived tokens that let an <audio> element fetch one
// voicemail recording: a URL may carry this token, never the Flex token (DESIGN §4).
package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"flexcallback"
)

// MaxTTL is the longest a media token lives.
const MaxTTL = 5 * time.Minute

const audience = "flexcallback-media"

// Signer makes and checks media tokens with HMAC-SHA256.
type Signer struct {
	key []byte
	ttl time.Duration
	now func() time.Time
}

// NewSigner returns a Signer; ttl is capped at MaxTTL. The key must be at least 32 bytes.
func NewSigner(key []byte, ttl time.Duration) (*Signer, error) {
	if len(key) < 32 {
		return nil, errors.New("media token key: need at least 32 bytes")
	}
	if ttl <= 0 || ttl > MaxTTL {
		ttl = MaxTTL
	}
	return &Signer{key: key, ttl: ttl, now: time.Now}, nil
}

type claims struct {
	Recording string `json:"rec"`
	jwt.RegisteredClaims
}

// Sign returns a token for one recording, bound to the worker who asked, and its expiry.
func (s *Signer) Sign(recordingSid, worker string) (string, time.Time, error) {
	now := s.now()
	exp := now.Add(s.ttl)
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims{
		Recording: recordingSid,
		RegisteredClaims: jwt.RegisteredClaims{
			Subject:   worker,
			Audience:  jwt.ClaimStrings{audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
		},
	})
	signed, err := tok.SignedString(s.key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign media token: %w", err)
	}
	return signed, exp, nil
}

// Verify checks a token for recordingSid and returns the worker it was issued to. A bad,
// expired or foreign token is ErrUnauthorized; a token for another recording is ErrForbidden.
func (s *Signer) Verify(token, recordingSid string) (string, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return s.key, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithAudience(audience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(s.now),
	)
	if err != nil {
		return "", &flexcallback.Error{Kind: flexcallback.ErrUnauthorized, Message: "invalid or expired media token", Err: err}
	}
	if c.Recording != recordingSid {
		return "", flexcallback.Errorf(flexcallback.ErrForbidden, "media token is for another recording")
	}
	return c.Subject, nil
}

// keyTTL keeps the shared key for as long as a deployment lives; each start reads it again.
const keyTTL = 400 * 24 * time.Hour

// SharedKey is the signing key replicas share through store: the first to ask generates it, the
// others read it, so a URL one replica signs streams from any other with no secret configured.
func SharedKey(ctx context.Context, store flexcallback.Store) ([]byte, error) {
	fresh := make([]byte, 32)
	rand.Read(fresh)
	held, _, err := store.PutIfAbsent(ctx, "media-key", hex.EncodeToString(fresh), keyTTL)
	if err != nil {
		return nil, fmt.Errorf("shared media token key: %w", err)
	}
	return []byte(held), nil
}
