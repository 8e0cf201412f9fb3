package capture_test

import "cmeos/ios/capture"

func parse(s string) (*capture.Filter, error) { return capture.ParseFilter(s) }
