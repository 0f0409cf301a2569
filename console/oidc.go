package console

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/laclasse/intake/templates"
)

// Sign-in with OpenID Connect: the authorization code flow, with state, nonce and PKCE (S256).
// The three secrets of a sign-in in progress wait in a short cookie for the provider's answer.

// oidcSignIn is the identity provider, discovered at the first sign-in.
type oidcSignIn struct {
	cfg      OIDCConfig
	redirect string // the callback's URL, on the public URL

	mu       sync.Mutex
	provider *oidc.Provider
}

func newOIDCSignIn(cfg OIDCConfig, redirect string) *oidcSignIn {
	return &oidcSignIn{cfg: cfg, redirect: redirect}
}

// discoveryTimeout bounds the reading of the provider's discovery document and keys.
const discoveryTimeout = 10 * time.Second

// client returns the OAuth 2 configuration and the ID token verifier, reading the provider's
// discovery document the first time (and again after a failure).
func (o *oidcSignIn) client() (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.provider == nil {
		// The provider keeps this context for fetching its keys later: no deadline on it, a
		// client with a timeout instead.
		ctx := oidc.ClientContext(context.Background(), &http.Client{Timeout: discoveryTimeout})
		p, err := oidc.NewProvider(ctx, o.cfg.Issuer)
		if err != nil {
			return nil, nil, fmt.Errorf("discover the identity provider %s: %w", o.cfg.Issuer, err)
		}
		o.provider = p
	}
	conf := &oauth2.Config{
		ClientID: o.cfg.ClientID, ClientSecret: o.cfg.ClientSecret, RedirectURL: o.redirect,
		Endpoint: o.provider.Endpoint(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"},
	}
	return conf, o.provider.Verifier(&oidc.Config{ClientID: o.cfg.ClientID}), nil
}

// flowCookie holds state, nonce and PKCE verifier while the provider signs the staff member in.
const flowCookie = "intake_console_oidc"

// oidcStart sends the browser to the identity provider.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.problem(w, r, http.StatusNotFound, "nooidc")
		return
	}
	conf, _, err := s.oidc.client()
	if err != nil {
		s.log.Error("console: OIDC sign-in", "err", err)
		s.problem(w, r, http.StatusBadGateway, "oidc")
		return
	}
	state, nonce, verifier := randomToken(), randomToken(), oauth2.GenerateVerifier()
	http.SetCookie(w, &http.Cookie{
		Name: flowCookie, Value: state + "." + nonce + "." + verifier, Path: signInPath, MaxAge: 600,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode, // sent back on the provider's redirect
	})
	http.Redirect(w, r, conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), http.StatusFound)
}

// idClaims are the claims of the ID token the console reads.
type idClaims struct {
	Email         string `json:"email"`
	EmailVerified *bool  `json:"email_verified"`
	Name          string `json:"name"`
	Username      string `json:"preferred_username"`
}

// oidcCallback finishes the sign-in: the state is the one sent, the code is exchanged with the
// PKCE verifier, the ID token is verified with its nonce, and its address must be staff's.
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) {
	if s.oidc == nil {
		s.problem(w, r, http.StatusNotFound, "nooidc")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: "", Path: signInPath, MaxAge: -1, HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteLaxMode})
	claims, err := s.oidcExchange(r)
	if err != nil {
		s.log.Warn("console: OIDC sign-in failed", "err", err)
		s.problem(w, r, http.StatusBadRequest, "oidc")
		return
	}
	role, ok := s.staffRole(claims.Email)
	if !ok {
		s.log.Warn("console: sign-in refused: the address is not staff") // the address stays out of the log
		s.render(w, r, http.StatusForbidden, "refused", s.frame(r, templates.ConsoleRefusedTitle, map[string]string{"Email": claims.Email}))
		return
	}
	name := claims.Name
	if name == "" {
		name = claims.Email
	}
	if err := s.signIn(r.Context(), w, r, methodOIDC, Staff{Email: strings.ToLower(claims.Email), Name: name, Role: role}); err != nil {
		s.fail(w, r, "sign in with OIDC", err)
		return
	}
	s.log.Info("console: signed in with OIDC", "role", role)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// oidcExchange checks the provider's answer to r and returns the ID token's claims.
func (s *Server) oidcExchange(r *http.Request) (idClaims, error) {
	c, err := r.Cookie(flowCookie)
	if err != nil {
		return idClaims{}, errors.New("no sign-in in progress (cookie missing)")
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return idClaims{}, errors.New("sign-in cookie malformed")
	}
	state, nonce, verifier := parts[0], parts[1], parts[2]
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		return idClaims{}, fmt.Errorf("the provider answered %q", e)
	}
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(state)) != 1 {
		return idClaims{}, errors.New("state does not match")
	}
	conf, verify, err := s.oidc.client()
	if err != nil {
		return idClaims{}, err
	}
	ctx, cancel := context.WithTimeout(r.Context(), discoveryTimeout)
	defer cancel()
	tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		return idClaims{}, fmt.Errorf("exchange the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok {
		return idClaims{}, errors.New("no id_token in the token response")
	}
	idt, err := verify.Verify(ctx, raw)
	if err != nil {
		return idClaims{}, fmt.Errorf("verify the ID token: %w", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return idClaims{}, errors.New("nonce does not match")
	}
	var cl idClaims
	if err := idt.Claims(&cl); err != nil {
		return idClaims{}, fmt.Errorf("read the ID token's claims: %w", err)
	}
	if cl.Email == "" {
		return idClaims{}, errors.New("the ID token has no email claim")
	}
	if cl.EmailVerified != nil && !*cl.EmailVerified {
		return idClaims{}, errors.New("the provider has not verified the address")
	}
	if cl.Name == "" {
		cl.Name = cl.Username
	}
	return cl, nil
}
