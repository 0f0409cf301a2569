package main

import (
	"context"
	"net/mail"
	"strings"
	"time"

	"github.com/laclasse/intake/convention"
	"github.com/laclasse/intake/smtp"
	"github.com/laclasse/intake/sqlite"
	"github.com/laclasse/intake/templates"
)

// newAccessNotifier returns what composes the "accès ouvert" mail of a school whose access
// opened: to the school's administrator and the commune's declared contacts (its notify
// addresses, its senders that are whole addresses, configured or declared in the store by
// `release --add-sender`, the technical referent and project lead of
// its last list), from [smtp] from, which is also the address to write to with a question.
func newAccessNotifier(cfg *Config, now func() time.Time) sqlite.AccessNotifier {
	communes := cfg.CommuneList()
	from := cfg.SMTP.From
	return func(_ context.Context, a sqlite.AccessOpened) ([]convention.OutgoingMail, error) {
		s := a.School
		var to []string
		seen := map[string]bool{}
		add := func(addr string) {
			addr = strings.ToLower(strings.TrimSpace(addr))
			if addr == "" || strings.HasPrefix(addr, "@") || seen[addr] {
				return
			}
			// Only plain addresses: a contact typed badly must not stop the activation.
			if p, err := mail.ParseAddress(addr); err != nil || p.Address != addr || p.Name != "" {
				return
			}
			seen[addr] = true
			to = append(to, addr)
		}
		add(s.Admin.Email)
		for _, c := range communes {
			if strings.EqualFold(c.Name, s.Commune) {
				for _, n := range c.Notify {
					add(n)
				}
				for _, n := range c.Senders {
					add(n)
				}
			}
		}
		for _, n := range a.Senders {
			add(n)
		}
		for _, c := range []*convention.Contact{a.Contacts.TechnicalReferent, a.Contacts.ProjectLead} {
			if c != nil {
				add(c.Email)
			}
		}
		if len(to) == 0 {
			return nil, nil
		}
		r, err := templates.RenderAccessOpen(templates.AccessOpen{
			Commune: s.Commune, UAI: s.UAI, School: s.Name,
			Admin: s.Admin.FullName(), AdminEmail: s.Admin.Email, AdminPhone: convention.ReadablePhone(s.Admin.Phone),
			LoginURL: templates.LoginURL, Contact: from, Signature: signature,
		})
		if err != nil {
			return nil, err
		}
		data, err := smtp.Compose(smtp.Mail{From: from, FromName: fromName, To: to, Subject: r.Subject, Date: now(), Text: r.Text, HTML: r.HTML})
		if err != nil {
			return nil, err
		}
		return []convention.OutgoingMail{{Kind: "access_open", From: from, To: to, Data: data}}, nil
	}
}
