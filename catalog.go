package dmsd

import (
	"slices"
	"unicode/utf8"
)

// AvailabilityZone is a zone instances may be created in. dmsd runs every
// cluster on its own host, so its zones are names only, kept so that clients
// that place instances in zones (the Terraform provider maps ids to codes on
// every read) work unchanged.
type AvailabilityZone struct {
	// ID is what instances carry in available_zones.
	ID string
	// Code is what users write (availability_zones of the Terraform
	// provider).
	Code string
	Name string
}

// Region is the region id that the zone list reports.
const Region = "dmsd"

// AvailabilityZones are the zones dmsd offers, the one list that
// GET /v2/available-zones answers and instance creation accepts.
var AvailabilityZones = []AvailabilityZone{
	{ID: "d1a5e0c2b7f94c6e8a3b5d7f9e1c3a01", Code: "az1", Name: "AZ1"},
	{ID: "d1a5e0c2b7f94c6e8a3b5d7f9e1c3a02", Code: "az2", Name: "AZ2"},
	{ID: "d1a5e0c2b7f94c6e8a3b5d7f9e1c3a03", Code: "az3", Name: "AZ3"},
}

// DefaultZoneID is the zone of instances whose creator names none of its
// own (the command-line client's default).
var DefaultZoneID = AvailabilityZones[0].ID

// ZoneByID returns the zone with the id, and whether there is one.
func ZoneByID(id string) (AvailabilityZone, bool) {
	i := slices.IndexFunc(AvailabilityZones, func(z AvailabilityZone) bool { return z.ID == id })
	if i < 0 {
		return AvailabilityZone{}, false
	}
	return AvailabilityZones[i], true
}

// ResolveZones returns the zone ids of a new instance from the ids
// (available_zones) or the codes (availability_zones) of its request; when
// both are given they must name the same zones. Returns EAZNOTFOUND for an
// id or code that names no zone and EINVALIDAZ when both are given and
// differ. The count is checked by Instance.Validate.
func ResolveZones(ids, codes []string) ([]string, error) {
	if len(codes) == 0 {
		return ids, nil
	}
	fromCodes := make([]string, 0, len(codes))
	for _, c := range codes {
		i := slices.IndexFunc(AvailabilityZones, func(z AvailabilityZone) bool { return z.Code == c })
		if i < 0 {
			return nil, Errorf(EAZNOTFOUND, "The AZ does not exist: %q is not an AZ code.", truncateString(c))
		}
		fromCodes = append(fromCodes, AvailabilityZones[i].ID)
	}
	if len(ids) > 0 && !slices.Equal(ids, fromCodes) {
		return nil, Errorf(EINVALIDAZ, "available_zones and availability_zones name different AZs; give one of them.")
	}
	return fromCodes, nil
}

// validateZones returns EINVALIDAZ unless ids holds one zone id or three or
// more distinct ones, and EAZNOTFOUND for an id that names no zone.
func validateZones(ids []string) error {
	if len(ids) == 0 || len(ids) == 2 {
		return Errorf(EINVALIDAZ, "The available_zones parameter in the request must hold the ID of 1 AZ, or of 3 or more.")
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if _, ok := ZoneByID(id); !ok {
			return Errorf(EAZNOTFOUND, "The AZ does not exist: %q is not an AZ ID.", truncateString(id))
		}
		if seen[id] {
			return Errorf(EINVALIDAZ, "The available_zones parameter in the request names AZ %s twice.", id)
		}
		seen[id] = true
	}
	return nil
}

// Product is a flavor of Kafka instance that dmsd creates: the product_id and
// storage_spec_code values it accepts. dmsd gives every flavor the same
// embedded brokers; the flavor is recorded and shown.
type Product struct {
	ID string
	// Type is cluster or single.
	Type string
	// StorageSpecCodes are the storage I/O specifications of the flavor.
	StorageSpecCodes []string
	// MinBrokers and MaxBrokers bound broker_num.
	MinBrokers, MaxBrokers int
	// MaxPartitionsPerBroker is what the flavor allows each broker.
	MaxPartitionsPerBroker int
}

// EngineVersions are the Kafka versions instances may be created with.
var EngineVersions = []string{"2.7", "3.x"}

var storageSpecCodes = []string{"dms.physical.storage.high.v2", "dms.physical.storage.ultra.v2", "dms.physical.storage.general", "dms.physical.storage.extreme"}

// Products are the flavors dmsd offers, the one list that
// GET /v2/{engine}/products answers and instance creation accepts.
var Products = []Product{
	{ID: "c6.2u4g.cluster", Type: "cluster", StorageSpecCodes: storageSpecCodes, MinBrokers: 1, MaxBrokers: 30, MaxPartitionsPerBroker: 250},
	{ID: "c6.4u8g.cluster", Type: "cluster", StorageSpecCodes: storageSpecCodes, MinBrokers: 1, MaxBrokers: 30, MaxPartitionsPerBroker: 500},
	{ID: "c6.8u16g.cluster", Type: "cluster", StorageSpecCodes: storageSpecCodes, MinBrokers: 1, MaxBrokers: 30, MaxPartitionsPerBroker: 1000},
	{ID: "c6.12u24g.cluster", Type: "cluster", StorageSpecCodes: storageSpecCodes, MinBrokers: 1, MaxBrokers: 30, MaxPartitionsPerBroker: 1500},
	{ID: "c6.16u32g.cluster", Type: "cluster", StorageSpecCodes: storageSpecCodes, MinBrokers: 1, MaxBrokers: 30, MaxPartitionsPerBroker: 2000},
	{ID: "c6.2u4g.single", Type: "single", StorageSpecCodes: storageSpecCodes, MinBrokers: 1, MaxBrokers: 1, MaxPartitionsPerBroker: 250},
}

// ProductByID returns the product with the id, and whether there is one.
func ProductByID(id string) (Product, bool) {
	i := slices.IndexFunc(Products, func(p Product) bool { return p.ID == id })
	if i < 0 {
		return Product{}, false
	}
	return Products[i], true
}

// validateProduct returns EINVALIDPRODUCT unless productID is one of
// Products, ESPECCODE unless specCode is one of its storage specifications,
// and EINVALID when brokers is outside its bounds.
func validateProduct(productID, specCode string, brokers int) error {
	p, ok := ProductByID(productID)
	if !ok {
		return Errorf(EINVALIDPRODUCT, "Invalid product_id %q: GET /v2/kafka/products lists the products.", truncateString(productID))
	}
	if !slices.Contains(p.StorageSpecCodes, specCode) {
		return Errorf(ESPECCODE, "Invalid SPEC_CODE: storage_spec_code %q is not one of product %s.", truncateString(specCode), p.ID)
	}
	return p.ValidateBrokerNum(brokers)
}

// ValidateBrokerNum returns EINVALID unless brokers is within the product's
// bounds: the one rule that creation, extension and the extension catalog
// (ShowKafkaInstanceExtendProductInfo) follow.
func (p Product) ValidateBrokerNum(brokers int) error {
	if brokers < p.MinBrokers || brokers > p.MaxBrokers {
		return Errorf(EINVALID, "broker_num must be between %d and %d for product %s.", p.MinBrokers, p.MaxBrokers, p.ID)
	}
	return nil
}

// truncateString shortens a caller's string for an error message.
func truncateString(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// MaxTags is the most tags an instance may carry.
const MaxTags = 20

// validateTags returns EINVALID unless every tag has a key of 1 to 128
// characters, given once, and a value of at most 255 characters, and there
// are at most MaxTags of them.
func validateTags(tags []Tag) error {
	if len(tags) > MaxTags {
		return Errorf(EINVALID, "Invalid request parameter: an instance can have at most %d tags.", MaxTags)
	}
	seen := map[string]bool{}
	for _, t := range tags {
		switch {
		case t.Key == "" || utf8.RuneCountInString(t.Key) > 128:
			return Errorf(EINVALID, "Invalid request parameter: a tag key must be 1 to 128 characters long.")
		case utf8.RuneCountInString(t.Value) > 255:
			return Errorf(EINVALID, "Invalid request parameter: a tag value can contain a maximum of 255 characters.")
		case seen[t.Key]:
			return Errorf(EINVALID, "Invalid request parameter: tag key %s is given twice.", truncateString(t.Key))
		}
		seen[t.Key] = true
	}
	return nil
}
