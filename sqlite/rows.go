package sqlite

import (
	"context"
	"database/sql"
)

// queryAll runs query and returns its rows in order, each read by scan; nil when there are none.
// The error is the query's, a row's or the reading's, unwrapped: the caller says what it read.
func queryAll[T any](ctx context.Context, q queryer, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// queryList is queryAll, with an empty list rather than nil when there are no rows (a list the
// console or a JSON output shows as such).
func queryList[T any](ctx context.Context, q queryer, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	out, err := queryAll(ctx, q, scan, query, args...)
	if out == nil && err == nil {
		out = []T{}
	}
	return out, err
}

// queryColumn runs query, whose rows have one column, and returns that column in order; nil when
// there are none.
func queryColumn[T any](ctx context.Context, q queryer, query string, args ...any) ([]T, error) {
	return queryAll(ctx, q, func(rows *sql.Rows) (T, error) {
		var v T
		err := rows.Scan(&v)
		return v, err
	}, query, args...)
}
