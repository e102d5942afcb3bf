package accountsettings

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/ecsrun/ecsrun/internal/ecs"
	"github.com/ecsrun/ecsrun/internal/ecsmodel"
	"github.com/ecsrun/ecsrun/internal/store"
)

// Component names the store's schema in schema_migrations.
const Component = "accountsettings"

// migrations are the schema steps of Component; append only.
var migrations = []string{
	`CREATE TABLE account_settings (
		principal TEXT NOT NULL,
		name      TEXT NOT NULL,
		value     TEXT NOT NULL,
		PRIMARY KEY (principal, name)
	);`,
}

// Store holds the account settings of one account.
type Store struct {
	db   *sql.DB
	acct ecs.Account
	root string

	mu  sync.Mutex
	set map[string]map[ecsmodel.SettingName]string // by principal, name
}

// Open migrates the schema and loads the settings.
func Open(ctx context.Context, db *sql.DB, acct ecs.Account) (*Store, error) {
	if err := store.Migrate(ctx, db, Component, migrations); err != nil {
		return nil, err
	}
	s := &Store{db: db, acct: acct, root: RootARN(acct), set: map[string]map[ecsmodel.SettingName]string{}}
	rows, err := db.QueryContext(ctx, `SELECT principal, name, value FROM account_settings`)
	if err != nil {
		return nil, fmt.Errorf("accountsettings: load: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p, n, v string
		if err := rows.Scan(&p, &n, &v); err != nil {
			return nil, fmt.Errorf("accountsettings: load: %w", err)
		}
		s.put(p, ecsmodel.SettingName(n), v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("accountsettings: load: %w", err)
	}
	return s, nil
}

func (s *Store) put(principal string, name ecsmodel.SettingName, value string) {
	if s.set[principal] == nil {
		s.set[principal] = map[ecsmodel.SettingName]string{}
	}
	s.set[principal][name] = value
}

// Default returns the account-wide value of a setting: the account
// default if one was put, else ECS's default.
func (s *Store) Default(name ecsmodel.SettingName) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Effective(s.set, s.root, s.root, name)
}

// principal resolves a request's principalArn: the root user (whom every
// request acts as) when empty.
func (s *Store) principal(arn string) (string, error) {
	if arn == "" {
		return s.root, nil
	}
	if err := CheckPrincipal(s.acct, arn); err != nil {
		return "", err
	}
	if strings.HasSuffix(arn, ":root") {
		return s.root, nil
	}
	return arn, nil
}

func (s *Store) store(ctx context.Context, principal string, name ecsmodel.SettingName, value string) (*ecsmodel.Setting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.db.ExecContext(ctx, `INSERT INTO account_settings(principal, name, value) VALUES(?, ?, ?)
		ON CONFLICT(principal, name) DO UPDATE SET value = excluded.value`, principal, string(name), value); err != nil {
		return nil, fmt.Errorf("accountsettings: store %s: %w", name, err)
	}
	s.put(principal, name, value)
	return &ecsmodel.Setting{Name: name, Value: value, PrincipalArn: principal, Type: settingType(name)}, nil
}

// PutAccountSetting sets a setting for a principal (the root user, that
// is the account default, when principalArn is omitted).
func (s *Store) PutAccountSetting(ctx context.Context, in *ecsmodel.PutAccountSettingRequest) (*ecsmodel.PutAccountSettingResponse, error) {
	p, err := s.principal(in.PrincipalArn)
	if err != nil {
		return nil, err
	}
	if err := CheckPut(in.Name, in.Value, p == s.root); err != nil {
		return nil, err
	}
	set, err := s.store(ctx, p, in.Name, in.Value)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.PutAccountSettingResponse{Setting: set}, nil
}

// PutAccountSettingDefault sets the account default of a setting: the
// value of every principal that has none of its own.
func (s *Store) PutAccountSettingDefault(ctx context.Context, in *ecsmodel.PutAccountSettingDefaultRequest) (*ecsmodel.PutAccountSettingDefaultResponse, error) {
	if err := CheckPut(in.Name, in.Value, true); err != nil {
		return nil, err
	}
	set, err := s.store(ctx, s.root, in.Name, in.Value)
	if err != nil {
		return nil, err
	}
	return &ecsmodel.PutAccountSettingDefaultResponse{Setting: set}, nil
}

// DeleteAccountSetting removes a principal's setting (the account default
// when principalArn is omitted or names the root user); the principal then
// has the account default, or ECS's default. The answer carries the value
// removed (the value in effect when there was none).
func (s *Store) DeleteAccountSetting(ctx context.Context, in *ecsmodel.DeleteAccountSettingRequest) (*ecsmodel.DeleteAccountSettingResponse, error) {
	p, err := s.principal(in.PrincipalArn)
	if err != nil {
		return nil, err
	}
	r, ok := Rules[in.Name]
	if !ok {
		return nil, CheckPut(in.Name, "", true)
	}
	if r.Type == ecsmodel.SettingTypeAwsManaged {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "The %s account setting is read-only: AWS manages it (Amazon GuardDuty sets it for ECS Runtime Monitoring).", in.Name)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	value, had := s.set[p][in.Name]
	if !had {
		value = Effective(s.set, s.root, p, in.Name)
	} else {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM account_settings WHERE principal = ? AND name = ?`, p, string(in.Name)); err != nil {
			return nil, fmt.Errorf("accountsettings: delete %s: %w", in.Name, err)
		}
		delete(s.set[p], in.Name)
	}
	return &ecsmodel.DeleteAccountSettingResponse{Setting: &ecsmodel.Setting{Name: in.Name, Value: value, PrincipalArn: p, Type: settingType(in.Name)}}, nil
}

// ListAccountSettings lists a principal's settings (the root user's when
// principalArn is omitted): those it set, or with effectiveSettings every
// setting with the value in effect for it. name and value filter; pages
// hold at most maxResults (1 to 10, 10 by default) settings.
func (s *Store) ListAccountSettings(ctx context.Context, in *ecsmodel.ListAccountSettingsRequest) (*ecsmodel.ListAccountSettingsResponse, error) {
	if in.Value != "" && in.Name == "" {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "value can only be used together with name: give the name of the setting whose value you filter on.")
	}
	max := in.MaxResults
	if max == 0 {
		max = 10
	}
	if max < 1 || max > 10 {
		return nil, ecs.Errorf(ecs.ErrInvalidParameter, "maxResults must be between 1 and 10; got %d.", max)
	}
	p, err := s.principal(in.PrincipalArn)
	if err != nil {
		return nil, err
	}
	after := ""
	if in.NextToken != "" {
		raw, err := base64.RawURLEncoding.DecodeString(in.NextToken)
		if err != nil || !strings.HasPrefix(string(raw), "ecsrun:") {
			return nil, ecs.Errorf(ecs.ErrInvalidParameter, "Invalid nextToken: use the nextToken of the previous answer unchanged.")
		}
		after = strings.TrimPrefix(string(raw), "ecsrun:")
	}
	s.mu.Lock()
	var all []ecsmodel.Setting
	for _, n := range ecsmodel.SettingName("").Values() {
		name := ecsmodel.SettingName(n)
		if in.Name != "" && name != in.Name {
			continue
		}
		v, ok := s.set[p][name]
		if in.EffectiveSettings {
			v, ok = Effective(s.set, s.root, p, name), true
		}
		if !ok || (in.Value != "" && v != in.Value) {
			continue
		}
		all = append(all, ecsmodel.Setting{Name: name, Value: v, PrincipalArn: p, Type: settingType(name)})
	}
	s.mu.Unlock()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	out := &ecsmodel.ListAccountSettingsResponse{Settings: []ecsmodel.Setting{}}
	for _, st := range all {
		if string(st.Name) <= after {
			continue
		}
		if len(out.Settings) == int(max) {
			last := out.Settings[len(out.Settings)-1].Name
			out.NextToken = base64.RawURLEncoding.EncodeToString([]byte("ecsrun:" + string(last)))
			break
		}
		out.Settings = append(out.Settings, st)
	}
	return out, nil
}
