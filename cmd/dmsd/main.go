// Command dmsd serves the DMS for Kafka v2 management API on Kafka clusters it
// runs itself (or external ones it adopts), with its state in SQLite or in a
// PostgreSQL database that several replicas share.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "dmsd:", err)
		os.Exit(1)
	}
}
