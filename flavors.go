package dmsd

import (
	"strconv"
	"strings"
)

// MaintainWindow is one of the maintenance windows instances may choose, in
// UTC hours as the API writes them (HH:00:00).
type MaintainWindow struct {
	Seq        int
	Begin, End string
	Default    bool
}

// MaintainWindows are the reference's four-hour windows; an instance's
// maintain_begin and maintain_end may be any whole hours, these included.
var MaintainWindows = []MaintainWindow{
	{Seq: 1, Begin: "22:00:00", End: "02:00:00"},
	{Seq: 2, Begin: "02:00:00", End: "06:00:00", Default: true},
	{Seq: 3, Begin: "06:00:00", End: "10:00:00"},
	{Seq: 4, Begin: "10:00:00", End: "14:00:00"},
	{Seq: 5, Begin: "14:00:00", End: "18:00:00"},
	{Seq: 6, Begin: "18:00:00", End: "22:00:00"},
}

// Cores returns the vCPUs of one broker of the flavor, as its id names them
// (c6.<cores>u<memory>g...), or 0 for an id that names none.
func (p Product) Cores() int {
	_, rest, _ := strings.Cut(p.ID, ".")
	n, _, _ := strings.Cut(rest, "u")
	c, _ := strconv.Atoi(n)
	return c
}

// ProductCores returns the vCPUs of brokers brokers of the product, checked
// as creation and extension check them: EINVALIDPRODUCT for a product dmsd
// does not offer, EINVALID for a broker count that is not a number or
// outside the product's bounds.
func ProductCores(productID, brokers string) (int, error) {
	p, ok := ProductByID(productID)
	if !ok {
		return 0, Errorf(EINVALIDPRODUCT, "Invalid product_id %q: GET /v2/kafka/products lists the products.", truncateString(productID))
	}
	n, err := strconv.Atoi(brokers)
	if err != nil || n < p.MinBrokers || n > p.MaxBrokers {
		return 0, Errorf(EINVALID, "broker_num must be between %d and %d for product %s.", p.MinBrokers, p.MaxBrokers, p.ID)
	}
	return p.Cores() * n, nil
}
