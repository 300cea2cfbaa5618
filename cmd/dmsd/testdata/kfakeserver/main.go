//go:build ignore

// Command kfakeserver runs a kfake Kafka cluster in a process of its own, for
// the tests that need a Kafka cluster dmsd does not run (an external
// cluster). It prints the brokers' addresses, comma-separated, on one line
// of stdout, and runs until stdin is closed or it is signalled.
//
//	go run ./testdata/kfakeserver/main.go -brokers 3 -scram admin:secret
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

func main() {
	brokers := flag.Int("brokers", 3, "number of brokers")
	scramUser := flag.String("scram", "", "user:password of a SCRAM-SHA-512 superuser; SASL is then required")
	flag.Parse()

	opts := []kfake.Opt{kfake.NumBrokers(*brokers)}
	if *scramUser != "" {
		user, pass, ok := strings.Cut(*scramUser, ":")
		if !ok {
			log.Fatal("-scram must be user:password")
		}
		opts = append(opts, kfake.EnableSASL(), kfake.Superuser("SCRAM-SHA-512", user, pass))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	fmt.Println(strings.Join(c.ListenAddrs(), ","))

	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(done)
	}()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-done:
	case <-sig:
	}
}
