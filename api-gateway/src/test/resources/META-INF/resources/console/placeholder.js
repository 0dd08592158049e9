// test placeholder for a console script
