package api

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/store"
)

// SessionCookie is the name of the browser session cookie.
const SessionCookie = "truce_session"

// LoginInput is what POST /api/v1/session takes.
type LoginInput struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// SessionInfo is what a sign-in answers: who you are and the CSRF token to
// send (header X-CSRF-Token) on every state-changing request made with the
// session cookie.
type SessionInfo struct {
	CSRF      string           `json:"csrf"`
	ExpiresAt time.Time        `json:"expires_at"`
	Principal access.Principal `json:"principal"`
}

// Me describes the caller.
type Me struct {
	Principal access.Principal `json:"principal"`
	Demo      bool             `json:"demo" doc:"true when this server runs the built-in demo"`
}

// PasswordInput sets a password.
type PasswordInput struct {
	Password string `json:"password"`
}

// TokenInput asks for an API token.
type TokenInput struct {
	User      string `json:"user,omitempty" doc:"user id; default yourself (an admin may name another user)"`
	Name      string `json:"name"`
	ExpiresIn string `json:"expires_in,omitempty" doc:"Go duration such as 720h; never expires when absent"`
}

// NewToken is a created token; the secret is shown this once.
type NewToken struct {
	account.Token
	Secret string `json:"secret"`
}

// UserCreate is what an admin sends to create an account.
type UserCreate struct {
	account.UserInput
	Password string `json:"password"`
}

// SetSessionCookie sets (or, with maxAge < 0, clears) the session cookie.
func SetSessionCookie(w http.ResponseWriter, value string, maxAge int, secure bool) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
}

// RemoteIP returns the client address without its port.
func RemoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (s *Server) accountRoutes() {
	acc := s.Accounts
	// Accounts, tokens and sign-in events are read by admins, and an
	// account's own history by its user.
	own := func(r *http.Request, user string) (access.Resource, error) {
		if p := PrincipalFrom(r.Context()); p.Authenticated() && (p.Has(access.Admin) || p.UserID == user) {
			return access.Resource{Classification: access.Mission}, nil
		}
		return access.Resource{Classification: access.Restricted}, nil // owner "": nobody else
	}
	s.resources["user"] = own
	s.resources["token"] = func(r *http.Request, id string) (access.Resource, error) {
		if p := PrincipalFrom(r.Context()); p.Has(access.Admin) {
			return access.Resource{Classification: access.Mission}, nil
		}
		return access.Resource{Classification: access.Restricted}, nil
	}
	s.resources["auth_event"] = s.resources["token"]
	s.add(Route{Method: "POST", Path: "/api/v1/session", Summary: "Sign in: sets the session cookie and returns the CSRF token", Tag: "accounts", Public: true,
		Request: LoginInput{}, Response: SessionInfo{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			in, err := Decode[LoginInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			sess, p, err := acc.Login(r.Context(), in.Username, in.Password, r.RemoteAddr)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			SetSessionCookie(w, sess.ID, int(sess.ExpiresAt.Sub(sess.CreatedAt).Seconds()), s.SecureCookies)
			WriteJSON(w, http.StatusOK, SessionInfo{CSRF: sess.CSRF, ExpiresAt: sess.ExpiresAt, Principal: p})
		}})
	s.add(Route{Method: "DELETE", Path: "/api/v1/session", Summary: "Sign out: ends the session", Tag: "accounts", Status: http.StatusNoContent,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			if c, err := r.Cookie(SessionCookie); err == nil {
				if err := acc.Logout(r.Context(), c.Value); err != nil {
					s.fail(w, r, err)
					return
				}
			}
			SetSessionCookie(w, "", -1, s.SecureCookies)
			w.WriteHeader(http.StatusNoContent)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/me", Summary: "Who you are", Tag: "accounts", Response: Me{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			p := PrincipalFrom(r.Context())
			if !p.Authenticated() {
				s.fail(w, r, errs.Unauthenticated("sign in or send a bearer token"))
				return
			}
			WriteJSON(w, http.StatusOK, Me{Principal: p, Demo: s.Demo})
		}})

	manage := func(r *http.Request) (access.Principal, error) {
		return authorize(r, access.Manage, access.Resource{Kind: "user"})
	}
	s.add(Route{Method: "GET", Path: "/api/v1/users", Summary: "List accounts (admin)", Tag: "accounts", Query: pageParams, Response: store.Page[account.User]{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			if _, err := manage(r); err != nil {
				s.fail(w, r, err)
				return
			}
			page, err := pageRequest(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			users, err := acc.ListUsers(r.Context(), page)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			WriteJSON(w, http.StatusOK, users)
		}})
	s.add(Route{Method: "POST", Path: "/api/v1/users", Summary: "Create an account (admin)", Tag: "accounts", Request: UserCreate{}, Response: account.User{}, Status: http.StatusCreated,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			p, err := manage(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			in, err := Decode[UserCreate](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			u, err := acc.CreateUser(r.Context(), p.Actor(), in.UserInput, in.Password)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeRecord(w, http.StatusCreated, u.Version, u)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/users/{id}", Summary: "Read an account (admin, or yourself)", Tag: "accounts", Response: account.User{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			if p := PrincipalFrom(r.Context()); p.UserID != r.PathValue("id") {
				if _, err := manage(r); err != nil {
					s.fail(w, r, err)
					return
				}
			}
			u, err := acc.GetUser(r.Context(), r.PathValue("id"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeRecord(w, http.StatusOK, u.Version, u)
		}})
	s.add(Route{Method: "PUT", Path: "/api/v1/users/{id}", Summary: "Change an account's organisation, roles or status (admin; If-Match)", Tag: "accounts", Request: account.UserInput{}, Response: account.User{},
		Handler: changes(s, "user", func(ctx context.Context, p access.Principal, id string, v int64, in account.UserInput) (account.User, error) {
			if err := access.Decide(p, access.Manage, access.Resource{Kind: "user"}); err != nil {
				return account.User{}, err
			}
			return acc.UpdateUser(ctx, p.Actor(), id, v, in)
		}, func(u account.User) int64 { return u.Version })})
	s.add(Route{Method: "POST", Path: "/api/v1/users/{id}/password", Summary: "Reset an account's password (admin); ends its sessions", Tag: "accounts", Request: PasswordInput{}, Status: http.StatusNoContent,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			p, err := manage(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			in, err := Decode[PasswordInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if err := acc.SetPassword(r.Context(), p.Actor(), r.PathValue("id"), in.Password); err != nil {
				s.fail(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}})

	s.add(Route{Method: "GET", Path: "/api/v1/tokens", Summary: "Your API tokens (an admin may pass ?user=)", Tag: "accounts",
		Query: []Param{{Name: "user", Description: "another user's id (admin)"}}, Response: []account.Token{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			user, err := s.tokenOwner(r, r.URL.Query().Get("user"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			ts, err := acc.ListTokens(r.Context(), user)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if ts == nil {
				ts = []account.Token{}
			}
			WriteJSON(w, http.StatusOK, ts)
		}})
	s.add(Route{Method: "POST", Path: "/api/v1/tokens", Summary: "Create an API token; its secret is shown once", Tag: "accounts", Request: TokenInput{}, Response: NewToken{}, Status: http.StatusCreated,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			in, err := Decode[TokenInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			user, err := s.tokenOwner(r, in.User)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			var ttl time.Duration
			if in.ExpiresIn != "" {
				if ttl, err = time.ParseDuration(in.ExpiresIn); err != nil || ttl <= 0 {
					s.fail(w, r, errs.Invalid("expires_in", "must be a positive duration such as 720h"))
					return
				}
			}
			p := PrincipalFrom(r.Context())
			t, secret, err := acc.CreateToken(r.Context(), p.Actor(), user, in.Name, ttl)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			WriteJSON(w, http.StatusCreated, NewToken{Token: t, Secret: secret})
		}})
	s.add(Route{Method: "DELETE", Path: "/api/v1/tokens/{id}", Summary: "Revoke an API token (yours, or any as admin)", Tag: "accounts", Response: account.Token{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			p := PrincipalFrom(r.Context())
			if !p.Authenticated() {
				s.fail(w, r, errs.Unauthenticated("sign in or send a bearer token"))
				return
			}
			id := r.PathValue("id")
			if !p.Has(access.Admin) {
				own, err := acc.ListTokens(r.Context(), p.UserID)
				if err != nil {
					s.fail(w, r, err)
					return
				}
				found := false
				for _, t := range own {
					found = found || t.ID == id
				}
				if !found {
					s.fail(w, r, errs.NotFound("token not found"))
					return
				}
			}
			t, err := acc.RevokeToken(r.Context(), p.Actor(), id)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			WriteJSON(w, http.StatusOK, t)
		}})
}

// tokenOwner returns whose tokens a request is about: the caller's own, or
// another user's for an admin.
func (s *Server) tokenOwner(r *http.Request, user string) (string, error) {
	p := PrincipalFrom(r.Context())
	if !p.Authenticated() {
		return "", errs.Unauthenticated("sign in or send a bearer token")
	}
	if user == "" || user == p.UserID {
		return p.UserID, nil
	}
	if _, err := authorize(r, access.Manage, access.Resource{Kind: "token"}); err != nil {
		return "", err
	}
	return user, nil
}
