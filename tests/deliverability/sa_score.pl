#!/usr/bin/perl
# Score each message file named on the command line with SpamAssassin's local rules in one
# process (a spamassassin process per message costs ~4 s of rule compilation).
# Prints one line per file: path<TAB>score<TAB>RULE=points,RULE=points
use strict;
use warnings;
use Mail::SpamAssassin;
my $sa = Mail::SpamAssassin->new({ local_tests_only => 1, dont_copy_prefs => 1,
  userprefs_filename => '/dev/null', home_dir_for_helpers => '/tmp' });
$sa->compile_now(0);
for my $path (@ARGV) {
  open(my $fh, '<', $path) or die "cannot read $path: $!";
  local $/; my $raw = <$fh>; close $fh;
  my $mail = $sa->parse($raw);
  my $status = $sa->check($mail);
  my %scores = map { split /=/, $_, 2 } grep { length } split /,/, ($status->get_names_of_tests_hit_with_scores() // '');
  my $hits = join ',', map { "$_=$scores{$_}" } sort keys %scores;
  printf "%s\t%.1f\t%s\n", $path, $status->get_score(), $hits;
  $status->finish(); $mail->finish();
}
