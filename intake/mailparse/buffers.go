package mailparse

import (
	"bufio"
	"bytes"
	"io"
	"sync"
)

// Buffered readers are the walk's largest garbage: a message's decoders each read through a
// 64 KiB buffer, and the header blocks and forwarded messages through 4 KiB ones. They are kept
// between messages in pools; a reader is handed back once what it read has been copied out, so
// that nothing Parse returns points into a pooled buffer.

// decodeBufferSize is the buffer of the message reader and of the transfer decoders: the longest
// line chunk they look at in one piece (a line of base64 is judged garbage or not by chunks of
// this size), so it is part of the decoders' behaviour, not only of their speed.
const decodeBufferSize = 64 << 10

// smallBufferSize is bufio's default size, used for header blocks and forwarded messages.
const smallBufferSize = 4096

var (
	decodeReaders = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, decodeBufferSize) }}
	smallReaders  = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, smallBufferSize) }}
)

// decodeReader returns a reader of r with a decodeBufferSize buffer, as
// bufio.NewReaderSize(r, decodeBufferSize) does, and whether it was taken from the pool (then
// hand it back with putDecodeReader). As bufio does, a bufio.Reader already that large is used
// as it is, and is not the caller's to hand back.
func decodeReader(r io.Reader) (br *bufio.Reader, pooled bool) {
	if b, ok := r.(*bufio.Reader); ok && b.Size() >= decodeBufferSize {
		return b, false
	}
	br = decodeReaders.Get().(*bufio.Reader)
	br.Reset(r)
	return br, true
}

// putDecodeReader hands back a reader from decodeReader; its buffer must be read no more.
func putDecodeReader(br *bufio.Reader) {
	br.Reset(nil)
	decodeReaders.Put(br)
}

// smallReader returns a pooled reader of r with a smallBufferSize buffer, as bufio.NewReader(r)
// does (r is never a bufio.Reader here); hand it back with putSmallReader.
func smallReader(r io.Reader) *bufio.Reader {
	br := smallReaders.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

// putSmallReader hands back a reader from smallReader; its buffer must be read no more.
func putSmallReader(br *bufio.Reader) {
	br.Reset(nil)
	smallReaders.Put(br)
}

// readBuffers keeps the buffers readAll reads into.
var readBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledRead bounds the buffers readBuffers keeps: a rare large attachment need not stay in
// memory.
const maxPooledRead = 1 << 20

// readAll reads r to its end as io.ReadAll does (the data read and the first error other than
// io.EOF), through a pooled buffer: the bytes returned are allocated once, at their size, where
// io.ReadAll grows its slice step by step.
func readAll(r io.Reader) ([]byte, error) {
	buf := readBuffers.Get().(*bytes.Buffer)
	_, err := buf.ReadFrom(r)
	data := append(make([]byte, 0, buf.Len()), buf.Bytes()...)
	if buf.Cap() <= maxPooledRead {
		buf.Reset()
		readBuffers.Put(buf)
	}
	return data, err
}
