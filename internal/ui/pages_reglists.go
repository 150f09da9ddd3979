package ui

import (
	"context"
	"net/http"

	"github.com/truce-monitoring/truce/internal/access"
	"github.com/truce-monitoring/truce/internal/store"
)

// numberedInto reads the numbered page of a registry list the request asks
// for (page, size, sort in its query) through the service method read, and
// puts its rows and its pager into d; a bad page, size or sort names its
// field.
func numberedInto[F, T any](r *http.Request, p access.Principal, d *listData[T], f F,
	read func(context.Context, access.Principal, F, store.ListQuery) (store.Numbered[T], error)) error {
	lq, err := store.ParseListQuery(r.URL.Query())
	if err != nil {
		return err
	}
	list, err := read(r.Context(), p, f, lq)
	if err != nil {
		return err
	}
	d.Items, d.List = list.Items, newListView(r, list)
	return nil
}
