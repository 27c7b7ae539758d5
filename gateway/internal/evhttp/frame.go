package evhttp

import (
	"bufio"
	"bytes"
	"errors"
	"io"

	"github.com/valyala/fasthttp"
)

// framed is what the buffered bytes of a connection hold.
type framed struct {
	n               int  // length of the whole request at their start; 0 while it is incomplete
	status          int  // not 0: the request is refused with this status
	expectsContinue bool // incomplete, and the client waits for "100 Continue"
}

var headEnd = []byte("\r\n\r\n")

// frame parses the request at the start of buf into req, when it is whole.
func (s *Server) frame(buf []byte, req *fasthttp.Request) framed {
	end := bytes.Index(buf, headEnd)
	if end < 0 {
		if len(buf) > s.MaxHeaderBytes {
			return framed{status: fasthttp.StatusRequestHeaderFieldsTooLarge}
		}
		return framed{}
	}
	headLen := end + len(headEnd)
	if headLen > s.MaxHeaderBytes {
		return framed{status: fasthttp.StatusRequestHeaderFieldsTooLarge}
	}
	r := s.reader(buf[:headLen])
	err := req.Header.Read(&r.br)
	s.readers.Put(r)
	if err != nil {
		return framed{status: fasthttp.StatusBadRequest}
	}
	h := &req.Header
	switch cl := h.ContentLength(); {
	case cl == -1:
		return s.frameChunked(buf, headLen, req)
	case cl > s.MaxBodyBytes:
		return framed{status: fasthttp.StatusRequestEntityTooLarge}
	case cl > 0:
		if len(buf) < headLen+cl {
			return framed{expectsContinue: expectsContinue(h)}
		}
		req.SetBody(buf[headLen : headLen+cl])
		return framed{n: headLen + cl}
	default:
		return framed{n: headLen}
	}
}

// frameChunked decodes a chunked body that follows the head, when whole.
func (s *Server) frameChunked(buf []byte, headLen int, req *fasthttp.Request) framed {
	rest := buf[headLen:]
	r := s.reader(rest)
	err := req.ContinueReadBody(&r.br, s.MaxBodyBytes)
	unread := r.src.Len() + r.br.Buffered()
	s.readers.Put(r)
	switch {
	case err == nil:
		return framed{n: headLen + len(rest) - unread}
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return framed{status: fasthttp.StatusRequestEntityTooLarge}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		// Chunk sizes and line ends come on top of the body; twice the
		// limit is more than any body within it needs.
		if len(rest) > 2*s.MaxBodyBytes {
			return framed{status: fasthttp.StatusRequestEntityTooLarge}
		}
		return framed{expectsContinue: expectsContinue(&req.Header)}
	default:
		return framed{status: fasthttp.StatusBadRequest}
	}
}

func expectsContinue(h *fasthttp.RequestHeader) bool {
	return bytes.EqualFold(h.Peek(fasthttp.HeaderExpect), []byte("100-continue"))
}

// byteReader is a bufio.Reader over a byte slice, pooled: fasthttp parses
// from a bufio.Reader.
type byteReader struct {
	src bytes.Reader
	br  bufio.Reader
}

func (s *Server) reader(b []byte) *byteReader {
	r, _ := s.readers.Get().(*byteReader)
	if r == nil {
		r = &byteReader{}
		r.br = *bufio.NewReaderSize(&r.src, s.MaxHeaderBytes)
	}
	r.src.Reset(b)
	r.br.Reset(&r.src)
	return r
}
