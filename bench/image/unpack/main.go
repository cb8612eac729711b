// Command unpack unpacks an image already in a hull data root into its
// committed layer snapshots: the step between `hull pull`, which only
// fetches blobs into the content store, and a container's root filesystem.
// The hull CLI has no verb that does only this, so bench/image-pull.sh
// times it through this command, against umoci's and containerd's unpack.
//
// usage: unpack ROOT IMAGE
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/hullrt/hull/internal/image"
	"github.com/hullrt/hull/internal/images"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: unpack ROOT IMAGE")
		os.Exit(2)
	}
	if err := unpack(context.Background(), os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "unpack: %v\n", err)
		os.Exit(1)
	}
}

func unpack(ctx context.Context, root, name string) error {
	svc, err := images.Open(root)
	if err != nil {
		return err
	}
	defer svc.Close()
	res, err := svc.Unpack(ctx, name, image.DefaultPlatform())
	if err != nil {
		return err
	}
	fmt.Printf("%d layers applied, %d present\n", res.Applied, len(res.Chain)-res.Applied-res.Discarded)
	return nil
}
