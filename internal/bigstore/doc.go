package bigstore
