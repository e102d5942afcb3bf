package ecs

import (
	"errors"
	"strings"
	"testing"
)

func TestAccount_ClusterNameOf(t *testing.T) {
	a := Account{Partition: "aws", Region: "us-east-1", ID: "000000000000"}
	tests := []struct {
		in   string
		want string
		kind Kind
		msg  string
	}{
		{"", "default", "", ""},
		{"ci", "ci", "", ""},
		{"arn:aws:ecs:us-east-1:000000000000:cluster/ci", "ci", "", ""},
		{"arn:aws:ecs:eu-west-1:000000000000:cluster/ci", "", ErrInvalidParameter, "Invalid Region in ARN"},
		{"arn:aws:ecs:us-east-1:123456789012:cluster/ci", "", ErrClusterNotFound, "account 123456789012"},
		{"arn:aws-cn:ecs:us-east-1:000000000000:cluster/ci", "", ErrClusterNotFound, "partition aws-cn"},
		{"arn:aws:ecs:us-east-1:000000000000:service/default/web", "", ErrInvalidParameter, "not a cluster ARN"},
		{"arn:aws:ecs:us-east-1:000000000000:cluster/a/b", "", ErrInvalidParameter, "not a cluster ARN"},
		{"arn:aws:ecs:us-east-1:000000000000:cluster", "", ErrInvalidParameter, "no resource id"},
		{"arn:aws:ecs:us-east-1", "", ErrInvalidParameter, "not of the form"},
		{"arn:aws:sqs:us-east-1:000000000000:cluster/ci", "", ErrInvalidParameter, "not ecs"},
	}
	for _, tt := range tests {
		got, err := a.ClusterNameOf(tt.in)
		if tt.kind == "" {
			if err != nil || got != tt.want {
				t.Errorf("ClusterNameOf(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
			continue
		}
		if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ClusterNameOf(%q) error = %v; want %s mentioning %q", tt.in, err, tt.kind, tt.msg)
		}
	}
	// An account without a region or id checks only the form.
	if got, err := (Account{}).ClusterNameOf("arn:aws:ecs:eu-west-1:123456789012:cluster/ci"); err != nil || got != "ci" {
		t.Errorf("zero Account: %q, %v", got, err)
	}
}

func TestAccount_TaskDefinitionRefOf(t *testing.T) {
	a := Account{Partition: "aws", Region: "us-east-1", ID: "000000000000"}
	tests := []struct {
		in   string
		want string
		kind Kind
	}{
		{"web", "web", ""},
		{"web:3", "web:3", ""},
		{"arn:aws:ecs:us-east-1:000000000000:task-definition/web:3", "web:3", ""},
		{"arn:aws:ecs:eu-west-1:000000000000:task-definition/web:3", "", ErrInvalidParameter},
		{"arn:aws:ecs:us-east-1:123456789012:task-definition/web:3", "", ErrClient},
		{"arn:aws:ecs:us-east-1:000000000000:task-definition/web", "", ErrClient},
	}
	for _, tt := range tests {
		got, err := a.TaskDefinitionRefOf(tt.in)
		if tt.kind == "" {
			if err != nil || got.String() != tt.want {
				t.Errorf("TaskDefinitionRefOf(%q) = %v, %v; want %s", tt.in, got, err, tt.want)
			}
			continue
		}
		if !errors.Is(err, tt.kind) {
			t.Errorf("TaskDefinitionRefOf(%q) error = %v; want %s", tt.in, err, tt.kind)
		}
	}
}
