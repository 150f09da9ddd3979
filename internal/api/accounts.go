package api

import (
	"net"
	"net/http"
	"time"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/account"
	"github.com/truce-monitoring/truce/internal/errs"
	"github.com/truce-monitoring/truce/internal/httpx"
	"github.com/truce-monitoring/truce/internal/store"
)

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
	User      string `json:"user,omitempty" doc:"user id: yourself; nobody, admins included, makes a token for another user"`
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
	s.add(Route{Method: "DELETE", Path: "/api/v1/session", Summary: "Sign out: ends the session", Tag: "accounts", Status: http.StatusNoContent,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			if c, err := r.Cookie(httpx.SessionCookie); err == nil {
				if err := acc.Logout(r.Context(), c.Value); err != nil {
					s.fail(w, r, err)
					return
				}
			}
			httpx.SetSessionCookie(w, "", -1, s.SecureCookies)
			w.WriteHeader(http.StatusNoContent)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/me", Summary: "Who you are", Tag: "accounts", Response: Me{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			p := httpx.PrincipalFrom(r.Context())
			if !p.Authenticated() {
				s.fail(w, r, errs.Unauthenticated("sign in or send a bearer token"))
				return
			}
			httpx.WriteJSON(w, http.StatusOK, Me{Principal: p, Demo: s.Demo})
		}})

	// The account service decides who may do what to accounts and
	// tokens; these handlers parse the request and call it.
	s.add(Route{Method: "GET", Path: "/api/v1/users", Summary: "List accounts (admin)", Tag: "accounts", Query: pageParams, Response: store.Page[account.User]{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			page, err := pageRequest(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			users, err := acc.ListUsers(r.Context(), httpx.PrincipalFrom(r.Context()), page)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, users)
		}})
	s.add(Route{Method: "POST", Path: "/api/v1/users", Summary: "Create an account (admin); 202 with a role request when the account would reach further than you do, until a co-chair approves", Tag: "accounts", Request: UserCreate{}, Response: account.User{}, Status: http.StatusCreated,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			in, err := Decode[UserCreate](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			u, req, err := acc.CreateUser(r.Context(), httpx.PrincipalFrom(r.Context()), in.UserInput, in.Password)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if req != nil {
				httpx.WriteJSON(w, http.StatusAccepted, req)
				return
			}
			writeRecord(w, http.StatusCreated, u.Version, u)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/users/{id}", Summary: "Read an account (admin, or yourself)", Tag: "accounts", Response: account.User{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			u, err := acc.GetUser(r.Context(), httpx.PrincipalFrom(r.Context()), r.PathValue("id"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			writeRecord(w, http.StatusOK, u.Version, u)
		}})
	s.add(Route{Method: "GET", Path: "/api/v1/users/{id}/name", Summary: "A user's display name and organisation, to those who may know it: the user's own organisation, the mission's staff and admins (others: 404)", Tag: "accounts", Response: account.UserName{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			n, err := acc.GetUserName(r.Context(), httpx.PrincipalFrom(r.Context()), r.PathValue("id"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, n)
		}})
	s.add(Route{IfMatch: true, Method: "PUT", Path: "/api/v1/users/{id}", Summary: "Change an account's organisation, roles or status (admin; If-Match; not your own roles or organisation); 202 with a role request when the change widens its reach, until a co-chair approves", Tag: "accounts", Request: account.UserInput{}, Response: account.User{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			id := r.PathValue("id")
			v, err := version(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			in, err := Decode[account.UserInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			u, req, err := acc.UpdateUser(r.Context(), httpx.PrincipalFrom(r.Context()), id, v, in)
			if err != nil {
				s.fail(w, r, notFound("user", id, err))
				return
			}
			if req != nil {
				httpx.WriteJSON(w, http.StatusAccepted, req)
				return
			}
			writeRecord(w, http.StatusOK, u.Version, u)
		}})
	s.add(Route{Method: "POST", Path: "/api/v1/users/{id}/password", Summary: "Reset an account's password (admin, for an account that reaches no further than you); ends its sessions", Tag: "accounts", Request: PasswordInput{}, Status: http.StatusNoContent,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			in, err := Decode[PasswordInput](r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if err := acc.ResetPassword(r.Context(), httpx.PrincipalFrom(r.Context()), r.PathValue("id"), in.Password); err != nil {
				s.fail(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
		}})

	s.add(Route{Method: "GET", Path: "/api/v1/tokens", Summary: "Your API tokens (an admin may pass ?user=)", Tag: "accounts",
		Query: []Param{{Name: "user", Description: "another user's id (admin)"}}, Response: []account.Token{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			p := httpx.PrincipalFrom(r.Context())
			ts, err := acc.ListTokens(r.Context(), p, tokenUser(p, r.URL.Query().Get("user")))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if ts == nil {
				ts = []account.Token{}
			}
			httpx.WriteJSON(w, http.StatusOK, ts)
		}})
	s.add(Route{Method: "POST", Path: "/api/v1/tokens", Summary: "Create an API token for yourself; its secret is shown once", Tag: "accounts", Request: TokenInput{}, Response: NewToken{}, Status: http.StatusCreated,
		Handler: func(w http.ResponseWriter, r *http.Request) {
			in, err := Decode[TokenInput](r)
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
			p := httpx.PrincipalFrom(r.Context())
			t, secret, err := acc.CreateToken(r.Context(), p, tokenUser(p, in.User), in.Name, ttl)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusCreated, NewToken{Token: t, Secret: secret})
		}})
	s.add(Route{Method: "DELETE", Path: "/api/v1/tokens/{id}", Summary: "Revoke an API token (yours, or any as admin)", Tag: "accounts", Response: account.Token{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			t, err := acc.RevokeToken(r.Context(), httpx.PrincipalFrom(r.Context()), r.PathValue("id"))
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, t)
		}})

	s.add(Route{Method: "GET", Path: "/api/v1/role-requests", Summary: "Changes to accounts that widen their reach, newest first (admins and co-chairs)", Tag: "accounts",
		Query: append([]Param{{Name: "state", Description: "pending, approved or rejected"}}, pageParams...), Response: store.Page[account.RoleRequest]{},
		Handler: func(w http.ResponseWriter, r *http.Request) {
			page, err := pageRequest(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			list, err := acc.ListRoleRequests(r.Context(), httpx.PrincipalFrom(r.Context()), account.RequestFilter{State: r.URL.Query().Get("state")}, page)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, list)
		}})
	decide := func(approve bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			d, err := decodeDecision(r)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			p, id := httpx.PrincipalFrom(r.Context()), r.PathValue("id")
			var req account.RoleRequest
			if approve {
				req, _, err = acc.ApproveRoleRequest(r.Context(), p, id, d)
			} else {
				req, err = acc.RejectRoleRequest(r.Context(), p, id, d)
			}
			if err != nil {
				s.fail(w, r, err)
				return
			}
			httpx.WriteJSON(w, http.StatusOK, req)
		}
	}
	s.add(Route{Method: "POST", Path: "/api/v1/role-requests/{id}/approve", Summary: "Approve a role request and apply its change (a co-chair who neither asked nor is its subject); 409 when the account changed since", Tag: "accounts",
		Request: account.Decision{}, Response: account.RoleRequest{}, Handler: decide(true)})
	s.add(Route{Method: "POST", Path: "/api/v1/role-requests/{id}/reject", Summary: "Reject a role request (a co-chair, or whoever asked)", Tag: "accounts",
		Request: account.Decision{}, Response: account.RoleRequest{}, Handler: decide(false)})
}

// tokenUser is whose tokens a request names: the caller's own by default.
func tokenUser(p access.Principal, user string) string {
	if user == "" {
		return p.UserID
	}
	return user
}

// decodeDecision reads a decision on a role request; a request without a
// body is a decision without a note.
func decodeDecision(r *http.Request) (account.Decision, error) {
	if r.ContentLength == 0 {
		return account.Decision{}, nil
	}
	d, err := Decode[account.Decision](r)
	if err != nil {
		return d, err
	}
	return d, d.Validate()
}
