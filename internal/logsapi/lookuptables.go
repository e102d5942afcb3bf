package logsapi

import (
	"context"

	"github.com/ecsrun/ecsrun/internal/awsjson"
	lm "github.com/ecsrun/ecsrun/internal/logsmodel"
	"github.com/ecsrun/ecsrun/internal/logsres"
	"github.com/ecsrun/ecsrun/internal/wire"
)

func (a *api) addLookupTableHandlers(h map[string]awsjson.Handler) {
	h["CreateLookupTable"] = a.withRes(a.createLookupTable)
	h["GetLookupTable"] = a.withRes(a.getLookupTable)
	h["UpdateLookupTable"] = a.withRes(a.updateLookupTable)
	h["DescribeLookupTables"] = a.withRes(a.describeLookupTables)
	h["DeleteLookupTable"] = a.withRes(a.deleteLookupTable)
}

// errFromQuery refuses queryId: tables are filled from CSV here.
func errFromQuery(id string) error {
	return awsjson.Errorf(typeInvalidParameter, "queryId %q: ecsrun fills lookup tables from tableBody only; write the query's results (GetQueryResults) as CSV into tableBody.", id)
}

type createLookupTableOutput struct {
	LookupTableArn string `json:"lookupTableArn"`
	CreatedAt      int64  `json:"createdAt"`
}

func (a *api) createLookupTable(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.CreateLookupTableRequest)
	if req.QueryId != "" {
		return nil, errFromQuery(req.QueryId)
	}
	if req.TableBody == "" {
		return nil, awsjson.Errorf(typeInvalidParameter, "tableBody is required: the CSV content of the table, its first row naming the columns.")
	}
	t, err := a.res.CreateLookupTable(ctx, logsres.LookupTable{Name: req.LookupTableName, Description: req.Description, Body: req.TableBody, KmsKeyID: req.KmsKeyId}, req.Tags)
	if err != nil {
		return nil, err
	}
	return createLookupTableOutput{LookupTableArn: t.ARN, CreatedAt: t.Updated}, nil
}

type getLookupTableOutput struct {
	LookupTableArn  string `json:"lookupTableArn"`
	LookupTableName string `json:"lookupTableName"`
	Description     string `json:"description,omitempty"`
	TableBody       string `json:"tableBody"`
	SizeBytes       int64  `json:"sizeBytes"`
	LastUpdatedTime int64  `json:"lastUpdatedTime"`
	KmsKeyID        string `json:"kmsKeyId,omitempty"`
}

func (a *api) getLookupTable(ctx context.Context, in wire.Input) (any, error) {
	t, err := a.res.GetLookupTable(ctx, in.(*lm.GetLookupTableRequest).LookupTableArn)
	if err != nil {
		return nil, err
	}
	return getLookupTableOutput{LookupTableArn: t.ARN, LookupTableName: t.Name, Description: t.Description, TableBody: t.Body,
		SizeBytes: int64(len(t.Body)), LastUpdatedTime: t.Updated, KmsKeyID: t.KmsKeyID}, nil
}

type updateLookupTableOutput struct {
	LookupTableArn  string `json:"lookupTableArn"`
	LastUpdatedTime int64  `json:"lastUpdatedTime"`
}

func (a *api) updateLookupTable(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.UpdateLookupTableRequest)
	if req.QueryId != "" {
		return nil, errFromQuery(req.QueryId)
	}
	var desc, body, key *string
	if req.Description != "" {
		desc = &req.Description
	}
	if req.TableBody != "" {
		body = &req.TableBody
	}
	if req.KmsKeyId != "" {
		key = &req.KmsKeyId
	}
	t, err := a.res.UpdateLookupTable(ctx, req.LookupTableArn, desc, body, key)
	if err != nil {
		return nil, err
	}
	return updateLookupTableOutput{LookupTableArn: t.ARN, LastUpdatedTime: t.Updated}, nil
}

type describeLookupTablesOutput struct {
	LookupTables []lm.LookupTable `json:"lookupTables"`
	NextToken    string           `json:"nextToken,omitempty"`
}

func (a *api) describeLookupTables(ctx context.Context, in wire.Input) (any, error) {
	req := in.(*lm.DescribeLookupTablesRequest)
	ts, next, err := a.res.DescribeLookupTables(ctx, req.LookupTableNamePrefix, req.NextToken, intValue(req.MaxResults))
	if err != nil {
		return nil, err
	}
	out := describeLookupTablesOutput{LookupTables: make([]lm.LookupTable, len(ts)), NextToken: next}
	for i, t := range ts {
		records, size, updated := t.Records, int64(len(t.Body)), t.Updated
		out.LookupTables[i] = lm.LookupTable{LookupTableArn: t.ARN, LookupTableName: t.Name, Description: t.Description,
			TableFields: t.Fields, RecordsCount: &records, SizeBytes: &size, LastUpdatedTime: &updated, KmsKeyId: t.KmsKeyID}
	}
	return out, nil
}

func (a *api) deleteLookupTable(ctx context.Context, in wire.Input) (any, error) {
	return nil, a.res.DeleteLookupTable(ctx, in.(*lm.DeleteLookupTableRequest).LookupTableArn)
}
