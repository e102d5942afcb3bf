package logsres

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/ecsrun/ecsrun/internal/logs"
)

// Document kinds of the delivery resources.
const (
	docDeliverySource      = "delivery-source"
	docDeliveryDestination = "delivery-destination"
	docDelivery            = "delivery"
)

// DeliverySource is a resource that vends logs of a type, as
// PutDeliverySource registers it.
type DeliverySource struct {
	Name         string            `json:"name"`
	ARN          string            `json:"arn"`
	ResourceARNs []string          `json:"resourceArns"`
	Service      string            `json:"service"`
	LogType      string            `json:"logType"`
	Config       map[string]string `json:"config,omitempty"`
	Tags         map[string]string `json:"-"`
}

// DeliveryDestination is where deliveries send logs.
type DeliveryDestination struct {
	Name         string            `json:"name"`
	ARN          string            `json:"arn"`
	Type         string            `json:"type"`
	OutputFormat string            `json:"outputFormat,omitempty"`
	ResourceARN  string            `json:"resourceArn,omitempty"`
	Policy       string            `json:"policy,omitempty"`
	Tags         map[string]string `json:"-"`
}

// Delivery connects a delivery source to a delivery destination.
type Delivery struct {
	ID              string            `json:"id"`
	ARN             string            `json:"arn"`
	Source          string            `json:"source"`
	DestinationARN  string            `json:"destinationArn"`
	DestinationType string            `json:"destinationType"`
	RecordFields    []string          `json:"recordFields,omitempty"`
	FieldDelimiter  string            `json:"fieldDelimiter,omitempty"`
	SuffixPath      string            `json:"suffixPath,omitempty"`
	Hive            *bool             `json:"hive,omitempty"`
	Tags            map[string]string `json:"-"`
}

// Delivery destination types.
const (
	DestS3   = "S3"
	DestCWL  = "CWL"
	DestFH   = "FH"
	DestXRAY = "XRAY"
)

func validation(format string, args ...any) error {
	return logs.Errorf(ErrValidation, format, args...)
}

func notFound(format string, args ...any) error {
	return logs.Errorf(logs.ErrNotFound, format, args...)
}

// PutDeliverySource creates or updates a delivery source. An update may
// not change the resource or the log type.
func (s *Store) PutDeliverySource(ctx context.Context, d DeliverySource) (DeliverySource, error) {
	parts := strings.SplitN(d.ResourceARNs[0], ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] == "" {
		return DeliverySource{}, validation("Invalid resourceArn %q: give the ARN of the AWS resource that vends the logs.", d.ResourceARNs[0])
	}
	d.Service = parts[2]
	d.ARN = s.arn("delivery-source:" + d.Name)
	if err := checkTags(d.Tags); err != nil {
		return DeliverySource{}, err
	}
	err := s.logs.Write(ctx, func(tx *sql.Tx) error {
		var old DeliverySource
		found, err := getDoc(ctx, tx, docDeliverySource, d.Name, &old)
		if err != nil {
			return err
		}
		if found && (old.ResourceARNs[0] != d.ResourceARNs[0] || old.LogType != d.LogType) {
			return logs.Errorf(ErrConflict, "Delivery source %s already exists for %s (%s): an update cannot change the resource or the log type; delete it first.", d.Name, old.ResourceARNs[0], old.LogType)
		}
		if err := putDoc(ctx, tx, docDeliverySource, d.Name, d); err != nil {
			return err
		}
		if !found {
			return s.putTags(ctx, tx, d.ARN, d.Tags, ErrValidation, false)
		}
		return nil
	})
	if err != nil {
		return DeliverySource{}, err
	}
	return s.GetDeliverySource(ctx, d.Name)
}

// GetDeliverySource returns a delivery source with its tags.
func (s *Store) GetDeliverySource(ctx context.Context, name string) (DeliverySource, error) {
	return getTagged[DeliverySource](ctx, s.db, docDeliverySource, name, "Delivery source %s does not exist.")
}

// DescribeDeliverySources lists delivery sources in name order.
func (s *Store) DescribeDeliverySources(ctx context.Context, nextToken string, limit int) ([]DeliverySource, string, error) {
	return describeTagged[DeliverySource](ctx, s.db, docDeliverySource, nextToken, limit)
}

// deliveriesUsing returns the ids of the deliveries whose source or
// destination is the given one.
func deliveriesUsing(ctx context.Context, tx *sql.Tx, match func(Delivery) bool) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT body FROM logsres_docs WHERE kind = ?`, docDelivery)
	if err != nil {
		return nil, fmt.Errorf("logsres: read deliveries: %w", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var body string
		var d Delivery
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("logsres: read deliveries: %w", err)
		}
		if json.Unmarshal([]byte(body), &d) == nil && match(d) {
			ids = append(ids, d.ID)
		}
	}
	return ids, rows.Err()
}

// DeleteDeliverySource deletes a delivery source no delivery uses.
func (s *Store) DeleteDeliverySource(ctx context.Context, name string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		ids, err := deliveriesUsing(ctx, tx, func(d Delivery) bool { return d.Source == name })
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			return logs.Errorf(ErrConflict, "Delivery source %s is used by deliveries %s: delete them first (DeleteDelivery).", name, strings.Join(ids, ", "))
		}
		found, err := delDoc(ctx, tx, docDeliverySource, name)
		if err != nil {
			return err
		}
		if !found {
			return notFound("Delivery source %s does not exist.", name)
		}
		return deleteAllTags(ctx, tx, s.arn("delivery-source:"+name))
	})
}

func deleteAllTags(ctx context.Context, tx *sql.Tx, arn string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM logsres_tags WHERE arn = ?`, arn); err != nil {
		return fmt.Errorf("logsres: delete tags of %s: %w", arn, err)
	}
	return nil
}

// destinationType derives a delivery destination's type from the ARN of
// the resource it sends to.
func destinationType(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return "", false
	}
	switch {
	case parts[2] == "s3":
		return DestS3, true
	case parts[2] == "logs" && strings.HasPrefix(parts[5], "log-group:"):
		return DestCWL, true
	case parts[2] == "firehose" && strings.HasPrefix(parts[5], "deliverystream/"):
		return DestFH, true
	}
	return "", false
}

// PutDeliveryDestination creates or updates a delivery destination.
func (s *Store) PutDeliveryDestination(ctx context.Context, d DeliveryDestination) (DeliveryDestination, error) {
	switch {
	case d.ResourceARN != "":
		typ, ok := destinationType(d.ResourceARN)
		if !ok {
			return DeliveryDestination{}, validation("Invalid destinationResourceArn %q: give an S3 bucket (arn:aws:s3:::<bucket>), a log group (arn:aws:logs:<region>:<account>:log-group:<name>) or a Firehose delivery stream.", d.ResourceARN)
		}
		if d.Type != "" && d.Type != typ {
			return DeliveryDestination{}, validation("deliveryDestinationType %s does not match destinationResourceArn %s (a %s destination).", d.Type, d.ResourceARN, typ)
		}
		d.Type = typ
	case d.Type == DestXRAY:
	default:
		return DeliveryDestination{}, validation("deliveryDestinationConfiguration.destinationResourceArn is required unless deliveryDestinationType is XRAY.")
	}
	if err := checkTags(d.Tags); err != nil {
		return DeliveryDestination{}, err
	}
	d.ARN = s.arn("delivery-destination:" + d.Name)
	err := s.logs.Write(ctx, func(tx *sql.Tx) error {
		var old DeliveryDestination
		found, err := getDoc(ctx, tx, docDeliveryDestination, d.Name, &old)
		if err != nil {
			return err
		}
		if found {
			d.Policy = old.Policy
			if old.Type != d.Type {
				return logs.Errorf(ErrConflict, "Delivery destination %s is of type %s: an update cannot change it to %s.", d.Name, old.Type, d.Type)
			}
		}
		if err := putDoc(ctx, tx, docDeliveryDestination, d.Name, d); err != nil {
			return err
		}
		if !found {
			return s.putTags(ctx, tx, d.ARN, d.Tags, ErrValidation, false)
		}
		return nil
	})
	if err != nil {
		return DeliveryDestination{}, err
	}
	return s.GetDeliveryDestination(ctx, d.Name)
}

// GetDeliveryDestination returns a delivery destination with its tags.
func (s *Store) GetDeliveryDestination(ctx context.Context, name string) (DeliveryDestination, error) {
	return getTagged[DeliveryDestination](ctx, s.db, docDeliveryDestination, name, "Delivery destination %s does not exist.")
}

// DescribeDeliveryDestinations lists delivery destinations in name order.
func (s *Store) DescribeDeliveryDestinations(ctx context.Context, nextToken string, limit int) ([]DeliveryDestination, string, error) {
	return describeTagged[DeliveryDestination](ctx, s.db, docDeliveryDestination, nextToken, limit)
}

// DeleteDeliveryDestination deletes a delivery destination no delivery
// uses.
func (s *Store) DeleteDeliveryDestination(ctx context.Context, name string) error {
	arn := s.arn("delivery-destination:" + name)
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		ids, err := deliveriesUsing(ctx, tx, func(d Delivery) bool { return d.DestinationARN == arn })
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			return logs.Errorf(ErrConflict, "Delivery destination %s is used by deliveries %s: delete them first (DeleteDelivery).", name, strings.Join(ids, ", "))
		}
		found, err := delDoc(ctx, tx, docDeliveryDestination, name)
		if err != nil {
			return err
		}
		if !found {
			return notFound("Delivery destination %s does not exist.", name)
		}
		return deleteAllTags(ctx, tx, arn)
	})
}

// updateDestination changes a delivery destination with fn.
func (s *Store) updateDestination(ctx context.Context, name string, fn func(*DeliveryDestination)) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		var d DeliveryDestination
		found, err := getDoc(ctx, tx, docDeliveryDestination, name, &d)
		if err != nil {
			return err
		}
		if !found {
			return notFound("Delivery destination %s does not exist.", name)
		}
		fn(&d)
		return putDoc(ctx, tx, docDeliveryDestination, name, d)
	})
}

// PutDeliveryDestinationPolicy sets the policy that lets other accounts
// deliver to the destination.
func (s *Store) PutDeliveryDestinationPolicy(ctx context.Context, name, policy string) error {
	if err := checkPolicyDocument("deliveryDestinationPolicy", policy); err != nil {
		return logs.Errorf(ErrValidation, "%s", err.(*logs.Error).Msg)
	}
	return s.updateDestination(ctx, name, func(d *DeliveryDestination) { d.Policy = policy })
}

// DeleteDeliveryDestinationPolicy removes the destination's policy.
func (s *Store) DeleteDeliveryDestinationPolicy(ctx context.Context, name string) error {
	return s.updateDestination(ctx, name, func(d *DeliveryDestination) { d.Policy = "" })
}

// MaxRecordFields caps a delivery's recordFields.
const MaxRecordFields = 128

// CreateDelivery connects an existing delivery source to a delivery
// destination; a source and a destination are connected at most once.
func (s *Store) CreateDelivery(ctx context.Context, d Delivery) (Delivery, error) {
	if err := checkTags(d.Tags); err != nil {
		return Delivery{}, err
	}
	d.ID = newDeliveryID()
	d.ARN = s.arn("delivery:" + d.ID)
	err := s.logs.Write(ctx, func(tx *sql.Tx) error {
		var src DeliverySource
		found, err := getDoc(ctx, tx, docDeliverySource, d.Source, &src)
		if err != nil {
			return err
		}
		if !found {
			return notFound("Delivery source %s does not exist.", d.Source)
		}
		parts := strings.SplitN(d.DestinationARN, ":", 6)
		if len(parts) != 6 || parts[2] != "logs" || !strings.HasPrefix(parts[5], "delivery-destination:") {
			return validation("Invalid deliveryDestinationArn %q: give the ARN of a delivery destination (arn:aws:logs:<region>:<account>:delivery-destination:<name>).", d.DestinationARN)
		}
		var dst DeliveryDestination
		if parts[3] == s.logs.Region() && parts[4] == s.logs.Account() {
			found, err := getDoc(ctx, tx, docDeliveryDestination, strings.TrimPrefix(parts[5], "delivery-destination:"), &dst)
			if err != nil {
				return err
			}
			if !found {
				return notFound("Delivery destination %s does not exist.", d.DestinationARN)
			}
			d.DestinationType = dst.Type
		} else {
			return validation("Delivery destination %s is in another account or region: ecsrun holds one account (%s) in one region (%s).", d.DestinationARN, s.logs.Account(), s.logs.Region())
		}
		ids, err := deliveriesUsing(ctx, tx, func(o Delivery) bool { return o.Source == d.Source && o.DestinationARN == d.DestinationARN })
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			return logs.Errorf(ErrConflict, "Delivery %s already connects %s to %s.", ids[0], d.Source, d.DestinationARN)
		}
		if d.SuffixPath != "" || d.Hive != nil {
			if d.DestinationType != DestS3 {
				return validation("s3DeliveryConfiguration applies to S3 delivery destinations only; %s is a %s destination.", d.DestinationARN, d.DestinationType)
			}
		}
		if err := putDoc(ctx, tx, docDelivery, d.ID, d); err != nil {
			return err
		}
		return s.putTags(ctx, tx, d.ARN, d.Tags, ErrValidation, false)
	})
	if err != nil {
		return Delivery{}, err
	}
	return s.GetDelivery(ctx, d.ID)
}

func newDeliveryID() string {
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [16]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b[:])
}

// GetDelivery returns a delivery with its tags.
func (s *Store) GetDelivery(ctx context.Context, id string) (Delivery, error) {
	return getTagged[Delivery](ctx, s.db, docDelivery, id, "Delivery %s does not exist.")
}

// DescribeDeliveries lists deliveries by id.
func (s *Store) DescribeDeliveries(ctx context.Context, nextToken string, limit int) ([]Delivery, string, error) {
	return describeTagged[Delivery](ctx, s.db, docDelivery, nextToken, limit)
}

// DeleteDelivery deletes a delivery and its tags.
func (s *Store) DeleteDelivery(ctx context.Context, id string) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		found, err := delDoc(ctx, tx, docDelivery, id)
		if err != nil {
			return err
		}
		if !found {
			return notFound("Delivery %s does not exist.", id)
		}
		return deleteAllTags(ctx, tx, s.arn("delivery:"+id))
	})
}

// UpdateDeliveryConfiguration changes a delivery's record fields,
// delimiter and S3 settings (those given).
func (s *Store) UpdateDeliveryConfiguration(ctx context.Context, id string, fields []string, delimiter *string, suffix *string, hive *bool) error {
	return s.logs.Write(ctx, func(tx *sql.Tx) error {
		var d Delivery
		found, err := getDoc(ctx, tx, docDelivery, id, &d)
		if err != nil {
			return err
		}
		if !found {
			return notFound("Delivery %s does not exist.", id)
		}
		if fields != nil {
			d.RecordFields = slices.Clone(fields)
		}
		if delimiter != nil {
			d.FieldDelimiter = *delimiter
		}
		if (suffix != nil || hive != nil) && d.DestinationType != DestS3 {
			return validation("s3DeliveryConfiguration applies to S3 delivery destinations only; delivery %s is a %s delivery.", id, d.DestinationType)
		}
		if suffix != nil {
			d.SuffixPath = *suffix
		}
		if hive != nil {
			d.Hive = hive
		}
		return putDoc(ctx, tx, docDelivery, id, d)
	})
}

func (d *DeliverySource) arn() string                      { return d.ARN }
func (d *DeliverySource) setTags(t map[string]string)      { d.Tags = t }
func (d *DeliveryDestination) arn() string                 { return d.ARN }
func (d *DeliveryDestination) setTags(t map[string]string) { d.Tags = t }
func (d *Delivery) arn() string                            { return d.ARN }
func (d *Delivery) setTags(t map[string]string)            { d.Tags = t }

// tagged is a pointer to a stored document whose tags are kept under its
// ARN.
type tagged[T any] interface {
	*T
	arn() string
	setTags(map[string]string)
}

// getTagged reads the document of kind named name, with its tags; missing
// is the not-found message, formatted with name.
func getTagged[T any, P tagged[T]](ctx context.Context, db *sql.DB, kind, name, missing string) (T, error) {
	var d T
	found, err := getDoc(ctx, db, kind, name, &d)
	if err != nil {
		return d, err
	}
	if !found {
		return d, notFound(missing, name)
	}
	tags, err := tagsOf(ctx, db, P(&d).arn())
	P(&d).setTags(tags)
	return d, err
}

// describeTagged lists a page of the documents of kind in name order, each
// with its tags.
func describeTagged[T any, P tagged[T]](ctx context.Context, db *sql.DB, kind, nextToken string, limit int) ([]T, string, error) {
	var out []T
	next, err := listDocs(ctx, db, kind, nextToken, limit, func(_ string, b []byte) error {
		var d T
		if err := json.Unmarshal(b, &d); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	for i := range out {
		tags, err := tagsOf(ctx, db, P(&out[i]).arn())
		if err != nil {
			return nil, "", err
		}
		P(&out[i]).setTags(tags)
	}
	return out, next, nil
}
