package redpipe_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/go-redpipe/redpipe"
)

// visits is an HTTP handler whose requests share one self-flushing root:
// each request's two commands go out with those of the other requests in
// flight, in as few round trips as the root's flushes.
type visits struct {
	shared *redpipe.Pipe // redpipe.New(client, redpipe.AutoFlush(0, 0, 4))
}

func (h visits) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	user := r.URL.Query().Get("user")

	pipe := redpipe.Pipeline(h.shared) // building blocks take it as their parent
	name := pipe.Get("name:" + user)
	count := pipe.Incr("visits:" + user)
	_ = pipe.Execute(ctx) // hands both to the shared root: no I/O

	n, err := count.Wait(ctx)
	if err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
	who, _ := name.Wait(ctx) // "" for an unknown user (redis.Nil)
	fmt.Fprintf(w, "%s: visit %d", who, n)
}

// Many goroutines share one root made with AutoFlush: here 100 requests
// at once, each waiting for its own futures.
func ExampleAutoFlush() {
	srv, _ := miniredis.Run()
	defer srv.Close()
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer client.Close()
	srv.Set("name:7", "Ada")

	shared := redpipe.New(client, redpipe.AutoFlush(0, 0, 4))
	defer shared.Close(context.Background())
	handler := visits{shared}

	var wg sync.WaitGroup
	for range 99 {
		wg.Go(func() {
			handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/?user=7", nil))
		})
	}
	wg.Wait()
	w := httptest.NewRecorder()
	handler.ServeHTTP(w, httptest.NewRequest("GET", "/?user=7", nil))
	fmt.Println(w.Body.String())
	// Output: Ada: visit 100
}
