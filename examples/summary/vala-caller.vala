/* vala-caller.vala: summary_compute_async() from Vala, with yield
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

async void run (string path, MainLoop loop) {
  var folder = File.new_for_path (path);

  try {
    uint n_files;
    int64 lines = yield Summary.compute_async (folder, 0, null, out n_files);
    assert (lines == 3 && n_files == 2);
    print ("counted %lld lines in %u files\n", lines, n_files);
  } catch (Error e) {
    error ("the call failed: %s", e.message);
  }

  var cancellable = new Cancellable ();
  Timeout.add (50, () => { cancellable.cancel (); return Source.REMOVE; });
  try {
    uint n_files;
    yield Summary.compute_async (folder, 2000, cancellable, out n_files);
    error ("the cancelled call succeeded");
  } catch (IOError.CANCELLED e) {
    print ("cancelled: %s\n", e.message);
  } catch (Error e) {
    error ("the call failed otherwise: %s", e.message);
  }
  loop.quit ();
}

int main () {
  var loop = new MainLoop ();
  string path;

  try {
    path = DirUtils.make_tmp ("summary-vala-XXXXXX");
    FileUtils.set_contents (path + "/a.txt", "one\n");
    FileUtils.set_contents (path + "/b.txt", "two\nlines\n");
  } catch (Error e) {
    error ("cannot make the folder: %s", e.message);
  }

  Timeout.add_seconds (30, () => { error ("timed out"); });
  run.begin (path, loop);
  loop.run ();

  FileUtils.remove (path + "/a.txt");
  FileUtils.remove (path + "/b.txt");
  DirUtils.remove (path);
  return 0;
}
