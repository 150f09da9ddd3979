package exchange

import "testing"

// The GDAL helpers of gdal_test.go, for the tests of package exchange_test
// (which may import internal/app and the demo; this package may not).

// GDALTool returns the path of a GDAL command or skips (fails under
// TRUCE_REQUIRE_GDAL=1) when it is missing.
func GDALTool(t testing.TB, name string) string { return gdalTool(t, name) }

// RunTool runs a command, failing the test when it fails, and returns its
// output.
func RunTool(t testing.TB, name string, args ...string) string { return runTool(t, name, args...) }

// OGRLayer is what ogrinfo -al -so says of a layer.
type OGRLayer struct {
	Geometry string
	Count    int
}

// OGRInfo runs ogrinfo -al -so on path, fails on any warning or error it
// prints, and returns its layers by name.
func OGRInfo(t testing.TB, path string) map[string]OGRLayer {
	out := map[string]OGRLayer{}
	for name, l := range ogrinfo(t, path) {
		out[name] = OGRLayer{Geometry: l.geometry, Count: l.count}
	}
	return out
}
