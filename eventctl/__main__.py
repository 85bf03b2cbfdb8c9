from eventctl.cli.main import main

main()
