package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/dmsd/dmsd"
	"github.com/dmsd/dmsd/client"
)

// cliInstances runs "dmsd instances COMMAND": Kafka instances.
func cliInstances(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	return cliGroup(ctx, "instances", []cliCommand{
		{"list", "list the project's instances", cliInstancesList},
		{"show", "show an instance", cliInstancesShow},
		{"create", "create an instance; prints its id", cliInstancesCreate},
		{"restart", "restart an instance's brokers; prints the task id", cliInstancesRestart},
		{"delete", "delete an instance with its data; prints the task id", cliInstancesDelete},
	}, args, getenv, stdout, stderr)
}

func cliInstancesList(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("instances list", "[flags]", "Lists the project's instances.")
	name := fs.String("name", "", "only instances whose name contains `TEXT`")
	status := fs.String("status", "", "only instances in `STATUS` (CREATING, RUNNING, RESTARTING, EXTENDING, DELETING, ERROR, EXTENDEDFAILED)")
	asJSON := fs.Bool("json", false, "print the instances as a JSON array")
	pos, err := cliParse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	c, err := conn.client(e)
	if err != nil {
		return err
	}
	list, err := c.ListInstances(ctx, client.InstanceListOptions{Name: *name, Status: dmsd.InstanceStatus(*status)})
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, list)
	}
	tw := cliTable(e.stdout)
	fmt.Fprintln(tw, "INSTANCE ID\tNAME\tSTATUS\tBROKERS\tSTORAGE\tVERSION\tADDRESS\tCREATED")
	for _, inst := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d GB\t%s\t%s\t%s\n", inst.ID, inst.Name, inst.Status, inst.BrokerNum,
			inst.StorageSpace, inst.EngineVersion, cliOr(cliAddress(inst)), cliTime(inst.CreatedAt))
	}
	return tw.Flush()
}

// cliAddress is where a Kafka client bootstraps from, or "".
func cliAddress(inst client.Instance) string {
	if inst.ConnectAddress == "" {
		return ""
	}
	return inst.ConnectAddress + ":" + strconv.Itoa(inst.Port)
}

func cliInstancesShow(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("instances show", "[flags] [--instance] INSTANCE_ID", "Shows an instance.")
	instance := fs.String("instance", "", "instance `ID`")
	asJSON := fs.Bool("json", false, "print the instance as JSON")
	c, instanceID, _, err := e.cliTarget(fs, conn, instance, args, false, false)
	if err != nil {
		return err
	}
	inst, err := c.ShowInstance(ctx, instanceID)
	if err != nil {
		return err
	}
	if *asJSON {
		return cliWriteJSON(e.stdout, inst)
	}
	tw := cliTable(e.stdout)
	fmt.Fprintf(tw, "ID:\t%s\n", inst.ID)
	fmt.Fprintf(tw, "NAME:\t%s\n", inst.Name)
	if inst.Description != "" {
		fmt.Fprintf(tw, "DESCRIPTION:\t%s\n", inst.Description)
	}
	fmt.Fprintf(tw, "STATUS:\t%s\n", inst.Status)
	fmt.Fprintf(tw, "ENGINE:\t%s %s\n", inst.Engine, inst.EngineVersion)
	fmt.Fprintf(tw, "BROKERS:\t%d\n", inst.BrokerNum)
	fmt.Fprintf(tw, "STORAGE:\t%d GB\n", inst.StorageSpace)
	fmt.Fprintf(tw, "PARTITIONS:\t%d\n", inst.PartitionNum)
	fmt.Fprintf(tw, "ADDRESS:\t%s\n", cliOr(cliAddress(inst)))
	fmt.Fprintf(tw, "BROKER ADDRESSES:\t%s\n", cliOr(strings.Join(inst.BrokerAddresses, ",")))
	fmt.Fprintf(tw, "AUTO TOPIC:\t%t\n", inst.EnableAutoTopic)
	fmt.Fprintf(tw, "RETENTION POLICY:\t%s\n", inst.RetentionPolicy)
	if inst.MaintainBegin != "" {
		fmt.Fprintf(tw, "MAINTENANCE:\t%s-%s\n", inst.MaintainBegin, inst.MaintainEnd)
	}
	fmt.Fprintf(tw, "USER:\t%s (%s)\n", cliOr(inst.UserName), cliOr(inst.UserID))
	fmt.Fprintf(tw, "CREATED:\t%s\n", cliTime(inst.CreatedAt))
	fmt.Fprintf(tw, "NETWORK (unused):\tvpc %s, subnet %s, security group %s, az %s\n",
		inst.VpcID, inst.SubnetID, inst.SecurityGroupID, strings.Join(inst.AvailableZones, ","))
	fmt.Fprintf(tw, "PRODUCT (unused):\t%s, storage %s\n", inst.ProductID, inst.StorageSpecCode)
	return tw.Flush()
}

func cliInstancesCreate(ctx context.Context, e *cliEnv, args []string) error {
	fs, conn := e.cliFlags("instances create", "--name NAME [flags]", strings.Join([]string{
		"Creates an instance and prints its id. With --wait, follows its createInstance",
		"task (progress on stderr) and fails unless the instance ends up RUNNING.",
		"The network and product flags have placeholder defaults: the API requires",
		"them, dmsd keeps and shows them, but does not use them.",
	}, "\n"))
	var req client.CreateInstanceRequest
	fs.StringVar(&req.Name, "name", "", "instance `NAME`: 4 to 64 letters, digits, _ and -, starting with a letter (required)")
	fs.StringVar(&req.Description, "description", "", "description")
	fs.IntVar(&req.BrokerNum, "brokers", 3, "number of brokers, 1 to 30")
	fs.IntVar(&req.StorageSpace, "storage", 300, "storage space in `GB`")
	fs.StringVar(&req.EngineVersion, "engine-version", "3.x", "Kafka `VERSION` to report")
	fs.BoolVar(&req.EnableAutoTopic, "auto-topic", false, "create topics automatically on first use")
	fs.StringVar(&req.RetentionPolicy, "retention-policy", "time_base", "time_base or produce_reject")
	fs.StringVar(&req.MaintainBegin, "maintain-begin", "", "maintenance window start, HH:00:00 (with --maintain-end)")
	fs.StringVar(&req.MaintainEnd, "maintain-end", "", "maintenance window end, HH:00:00")
	fs.StringVar(&req.VpcID, "vpc", "vpc-dmsd", "VPC `ID` (kept, unused)")
	fs.StringVar(&req.SubnetID, "subnet", "subnet-dmsd", "subnet `ID` (kept, unused)")
	fs.StringVar(&req.SecurityGroupID, "security-group", "sg-dmsd", "security group `ID` (kept, unused)")
	az := fs.String("az", dmsd.DefaultZoneID, "availability zone `ID` (kept, unused)")
	fs.StringVar(&req.ProductID, "product", "c6.2u4g.cluster", "product `ID` (kept, unused)")
	fs.StringVar(&req.StorageSpecCode, "storage-spec", "dms.physical.storage.ultra.v2", "storage spec `CODE` (kept, unused)")
	wait := fs.Bool("wait", false, "wait until the instance is RUNNING")
	timeout := fs.Duration("timeout", 0, "with --wait, give up after this long (default: never)")
	asJSON := fs.Bool("json", false, "print the instance as JSON instead of its id")
	pos, err := cliParse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return fmt.Errorf("unexpected argument %q", pos[0])
	}
	if req.Name == "" {
		return errors.New("--name is required")
	}
	req.AvailableZones = []string{*az}
	c, err := conn.client(e)
	if err != nil {
		return err
	}
	id, err := c.CreateInstance(ctx, req)
	if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintln(e.stdout, id)
	}
	if *wait {
		ctx, cancel := cliWithTimeout(ctx, *timeout)
		defer cancel()
		task, err := c.LatestTask(ctx, id)
		if err != nil {
			return cliTimedOut(ctx, err)
		}
		var progress io.Writer = e.stderr
		if *asJSON {
			progress = nil
		}
		if task, err = cliWait(ctx, c, progress, id, task.ID); err != nil {
			return cliTimedOut(ctx, err)
		}
		if err := cliTaskOutcome(task); err != nil {
			return fmt.Errorf("instance %s: %w", id, err)
		}
	}
	inst, err := c.ShowInstance(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := cliWriteJSON(e.stdout, inst); err != nil {
			return err
		}
	}
	if *wait && inst.Status != dmsd.InstanceRunning {
		return fmt.Errorf("instance %s is %s, not RUNNING", id, inst.Status)
	}
	if *wait && !*asJSON {
		fmt.Fprintf(e.stderr, "instance %s is RUNNING; Kafka at %s\n", id, cliAddress(inst))
	}
	return nil
}

func cliInstancesRestart(ctx context.Context, e *cliEnv, args []string) error {
	return cliInstanceTask(ctx, e, args, "restart", "Restarts an instance's brokers, keeping its data, and prints the id of its restartInstance task.",
		func(ctx context.Context, c *client.Client, id string) error { return c.RestartInstance(ctx, id) })
}

func cliInstancesDelete(ctx context.Context, e *cliEnv, args []string) error {
	return cliInstanceTask(ctx, e, args, "delete", "Deletes an instance, its Kafka data and its task records, and prints the id of its deleteInstance task.",
		func(ctx context.Context, c *client.Client, id string) error { return c.DeleteInstance(ctx, id) })
}

// cliInstanceTask runs an operation that starts a task on an instance
// (restart, delete): it prints the task's id, or with --json the task, and
// with --wait follows the task (progress on stderr) and fails unless it
// succeeds.
func cliInstanceTask(ctx context.Context, e *cliEnv, args []string, op, about string, start func(context.Context, *client.Client, string) error) error {
	fs, conn := e.cliFlags("instances "+op, "[flags] [--instance] INSTANCE_ID",
		about+"\nWith --wait, follows the task (progress on stderr) and fails unless it succeeds.")
	instance := fs.String("instance", "", "instance `ID`")
	wait := fs.Bool("wait", false, "wait until the task ends")
	timeout := fs.Duration("timeout", 0, "with --wait, give up after this long (default: never)")
	asJSON := fs.Bool("json", false, "print the task as JSON instead of its id")
	c, id, _, err := e.cliTarget(fs, conn, instance, args, false, false)
	if err != nil {
		return err
	}
	if err := start(ctx, c, id); err != nil {
		return err
	}
	task, err := c.LatestTask(ctx, id)
	if op == "delete" && client.ErrorCode(err) == dmsd.EINSTANCENOTFOUND {
		// The deletion finished already, and took its task record along.
		fmt.Fprintf(e.stderr, "instance %s is deleted\n", id)
		return nil
	} else if err != nil {
		return err
	}
	if !*asJSON {
		fmt.Fprintln(e.stdout, task.ID)
	}
	if *wait {
		ctx, cancel := cliWithTimeout(ctx, *timeout)
		defer cancel()
		var progress io.Writer = e.stderr
		if *asJSON {
			progress = nil
		}
		done, err := cliWait(ctx, c, progress, id, task.ID)
		switch {
		case op == "delete" && client.ErrorCode(err) == dmsd.EINSTANCENOTFOUND:
			task.Status = dmsd.TaskSuccess // gone before the first poll
		case err != nil:
			return cliTimedOut(ctx, err)
		default:
			task = done
		}
	}
	if *asJSON {
		if err := cliWriteJSON(e.stdout, task); err != nil {
			return err
		}
	}
	if *wait {
		return cliTaskOutcome(task)
	}
	return nil
}
