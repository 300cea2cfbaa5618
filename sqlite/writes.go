package sqlite

// WriteTransactions returns how many write transactions this DB has committed
// through the store since it was opened (River's own writes not included),
// for tests and benchmarks that count what an operation costs.
func (db *DB) WriteTransactions() uint64 { return db.writeGen.Load() }
