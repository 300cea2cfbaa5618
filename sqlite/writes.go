package sqlite

// WriteTransactions returns how many write transactions this DB has committed
// through the store since it was opened (River's own writes not included),
// for tests and benchmarks that count what an operation costs.
func (db *DB) WriteTransactions() uint64 { return db.writeGen.Load() }

// Statements returns how many statements have run on the write connection
// since the database was opened, River's included, besides the BEGIN and
// COMMIT of each transaction: the one connection every write waits for, so
// that tests and benchmarks count what an operation holds it with.
func (db *DB) Statements() uint64 { return db.statements.Load() }
