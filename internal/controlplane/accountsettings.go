package controlplane

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/ecsmodel"
)

// The account settings live in internal/accountsettings; the control plane
// answers for them so the API sees one ECS, and reads the ones that change
// its behaviour (containerInsights for new clusters).

// PutAccountSetting sets an account setting (see accountsettings.Store).
func (cp *ControlPlane) PutAccountSetting(ctx context.Context, in *ecsmodel.PutAccountSettingRequest) (*ecsmodel.PutAccountSettingResponse, error) {
	return cp.settings.PutAccountSetting(ctx, in)
}

// PutAccountSettingDefault sets an account default (see accountsettings.Store).
func (cp *ControlPlane) PutAccountSettingDefault(ctx context.Context, in *ecsmodel.PutAccountSettingDefaultRequest) (*ecsmodel.PutAccountSettingDefaultResponse, error) {
	return cp.settings.PutAccountSettingDefault(ctx, in)
}

// ListAccountSettings lists account settings (see accountsettings.Store).
func (cp *ControlPlane) ListAccountSettings(ctx context.Context, in *ecsmodel.ListAccountSettingsRequest) (*ecsmodel.ListAccountSettingsResponse, error) {
	return cp.settings.ListAccountSettings(ctx, in)
}

// DeleteAccountSetting removes an account setting (see accountsettings.Store).
func (cp *ControlPlane) DeleteAccountSetting(ctx context.Context, in *ecsmodel.DeleteAccountSettingRequest) (*ecsmodel.DeleteAccountSettingResponse, error) {
	return cp.settings.DeleteAccountSetting(ctx, in)
}
